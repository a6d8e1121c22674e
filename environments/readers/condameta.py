"""An installed environment's `conda-meta/*.json` records: a folder, a tar or zip of one, or
one record."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from environments.errors import LockError
from environments.model import CONDA
from environments.model import LockedPackage
from environments.readers.urls import split_url

MAX_RECORD_BYTES = 64 * 1024 * 1024
REQUIRED = ("name", "version", "build", "subdir")


def record_package(record: object, where: str) -> LockedPackage:
    """The locked package of one conda-meta record."""
    if not isinstance(record, dict) or not all(isinstance(record.get(k), str) for k in REQUIRED):
        raise LockError(f"conda-meta: {where} is not a package record (name, version, build...)")
    url = str(record.get("url") or "")
    channel = split_url(url)[0] if url else str(record.get("channel") or "")
    return LockedPackage(
        CONDA,
        record["name"],
        record["version"],
        url,
        record.get("sha256") or None,
        record.get("md5") or None,
        build=record["build"],
        subdir=record["subdir"],
        filename=str(record.get("fn") or url.rpartition("/")[2]),
        depends=tuple(record.get("depends") or ()),
        license=record.get("license") or None,
        channel_url=channel,
    )


def _environment(records: Iterable[tuple[str, bytes]]) -> dict:
    packages = []
    for where, data in records:
        try:
            packages.append(record_package(json.loads(data), where))
        except ValueError as error:
            if isinstance(error, LockError):
                raise
            raise LockError(f"conda-meta: {where} is not JSON") from None
    if not packages:
        raise LockError("conda-meta: no `conda-meta/*.json` record found")
    subdirs = {p.subdir for p in packages} - {"noarch"}
    if len(subdirs) > 1:
        raise LockError(f"conda-meta: records of several platforms {sorted(subdirs)}")
    platform = subdirs.pop() if subdirs else "noarch"
    return {"default": {platform: tuple(sorted(packages, key=lambda p: p.name))}}


def _is_record(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return len(parts) >= 2 and parts[-2] == "conda-meta" and parts[-1].endswith(".json")


def read_folder(path: Path) -> dict:
    """The environment of a `conda-meta` folder (or an environment folder holding one)."""
    folder = path / "conda-meta" if (path / "conda-meta").is_dir() else path
    return _environment((f.name, f.read_bytes()) for f in sorted(folder.glob("*.json")))


def read_archive(data: bytes) -> dict:
    """The environment of a tar (any compression) or zip archive holding `conda-meta/`."""
    try:
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [n for n in archive.namelist() if _is_record(n)]
                return _environment((n, archive.read(n)) for n in names)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            members = [m for m in archive.getmembers() if m.isfile() and _is_record(m.name)]
            if any(m.size > MAX_RECORD_BYTES for m in members):
                raise LockError("conda-meta: a record is larger than 64 MiB")
            return _environment((m.name, archive.extractfile(m).read()) for m in members)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise LockError(f"conda-meta archive cannot be read: {error}") from None

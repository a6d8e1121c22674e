"""Reading source documents: a file, a directory of files, a zip, gzip or xz, or a URL.

A JSON file that is a feed — its top-level object opens with a `cve_items` (fkie-cad's
`CVE-All.json.xz`, yearly files) or `vulnerabilities` (NVD API 2.0) array — is streamed: each
item is parsed on its own (ijson) and yielded as a document, so a feed of any size is never
loaded whole.
"""

from __future__ import annotations

import gzip
import json
import lzma
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ijson
import requests
import yaml

SUFFIXES = (".json", ".yaml", ".yml")
_FEED = re.compile(rb'^\s*\{[^\[]*?"(cve_items|vulnerabilities)"\s*:\s*\[', re.DOTALL)
_PEEK = 65536
DOWNLOAD_TIMEOUT = (10.0, 300.0)


class SourceError(OSError):
    """A source path or URL that cannot be read at all (not a single malformed record)."""


def _parse(name: str, data: bytes) -> object:
    """A JSON or YAML document from its bytes; the name's suffix says which."""
    lowered = name.lower()
    for packed in (".gz", ".xz"):
        if lowered.endswith(packed):
            lowered = lowered[: -len(packed)]
    if lowered.endswith((".yaml", ".yml")):
        return yaml.safe_load(data.decode("utf-8"))
    return json.loads(data)


def _unpack(name: str, data: bytes) -> bytes:
    if name.lower().endswith(".gz"):
        return gzip.decompress(data)
    if name.lower().endswith(".xz"):
        return lzma.decompress(data)
    return data


def _wanted(name: str) -> bool:
    lowered = name.lower()
    for packed in (".gz", ".xz"):
        if lowered.endswith(packed):
            lowered = lowered[: -len(packed)]
    return lowered.endswith(SUFFIXES)


def documents(path: Path) -> Iterator[tuple[str, object]]:
    """(name, parsed document or the exception that stopped it) for every document at `path`.

    A directory is walked (sorted, hidden entries skipped); a `.zip` is read member by
    member; `.gz` and `.xz` files are decompressed. A document that does not parse is
    yielded with its error so the caller can name it and go on.
    """
    if path.is_dir():
        for item in sorted(path.rglob("*")):
            if item.is_file() and _wanted(item.name) and not _hidden(item, path):
                yield from _file_documents(item)
        return
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as error:
            raise SourceError(f"{path}: not a zip archive ({error})") from error
        with archive:
            for member in sorted(archive.namelist()):
                if member.endswith("/") or not _wanted(member):
                    continue
                name = f"{path}!{member}"
                try:
                    yield name, _parse(member, _unpack(member, archive.read(member)))
                except Exception as error:  # noqa: BLE001 - reported by name, then skipped
                    yield name, error
        return
    yield from _file_documents(path)


def _hidden(item: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in item.relative_to(root).parts)


def _open(path: Path):
    lowered = path.name.lower()
    if lowered.endswith(".gz"):
        return gzip.open(path, "rb")
    if lowered.endswith(".xz"):
        return lzma.open(path, "rb")
    return path.open("rb")


def _feed_key(path: Path) -> str | None:
    """`cve_items` or `vulnerabilities` when the JSON file is a feed of records, else None."""
    if not path.name.lower().removesuffix(".gz").removesuffix(".xz").endswith(".json"):
        return None
    try:
        with _open(path) as stream:
            found = _FEED.match(stream.read(_PEEK))
    except (OSError, EOFError, lzma.LZMAError):
        return None
    return found.group(1).decode() if found else None


def _feed_documents(path: Path, key: str) -> Iterator[tuple[str, object]]:
    """Each item of a feed's `key` array, parsed one at a time."""
    try:
        with _open(path) as stream:
            for number, item in enumerate(ijson.items(stream, f"{key}.item", use_float=True)):
                yield f"{path}#{key}[{number}]", item
    except (OSError, EOFError, lzma.LZMAError, ijson.JSONError) as error:
        yield str(path), error


def _file_documents(path: Path) -> Iterator[tuple[str, object]]:
    key = _feed_key(path)
    if key is not None:
        yield from _feed_documents(path, key)
        return
    try:
        data = path.read_bytes()
    except OSError as error:
        yield str(path), error
        return
    try:
        yield str(path), _parse(path.name, _unpack(path.name, data))
    except Exception as error:  # noqa: BLE001 - reported by name, then skipped
        yield str(path), error


@contextmanager
def local_path(location: str) -> Iterator[Path]:
    """A local path for `location`: itself, or a temporary download of an http(s) URL."""
    if not location.startswith(("http://", "https://")):
        yield Path(location)
        return
    name = location.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "download"
    with tempfile.TemporaryDirectory(prefix="vulns-download-") as folder:
        target = Path(folder) / name
        try:
            with requests.get(location, stream=True, timeout=DOWNLOAD_TIMEOUT) as response:
                response.raise_for_status()
                with target.open("wb") as out:
                    shutil.copyfileobj(response.raw, out)
        except requests.RequestException as error:
            raise SourceError(f"{location}: download failed ({error})") from error
        yield target

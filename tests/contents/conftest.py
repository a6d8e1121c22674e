"""Real archives of the embedded channels, and their repodata records, for contents tests."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from runner.embedded import archives  # noqa: F401 - the contents tests import them from here
from runner.embedded import local_ref  # noqa: F401
from runner.embedded import record_of  # noqa: F401
from tests.conftest import CHANNELS

try:
    from compression import zstd  # Python 3.14+
except ImportError:  # conda-package-streaming's own dependency
    from backports import zstd

ZLIB_CONDA = CHANNELS / "main" / "linux-64" / "zlib-1.2.11-h7b6447c_3.conda"
ZLIB_BZ2 = CHANNELS / "main" / "linux-64" / "zlib-1.2.11-h7b6447c_3.tar.bz2"


def extract(path: Path, dest: Path) -> Path:
    """Unpack a .conda (ZIP of zstd tarballs) or .tar.bz2 with the standard library only
    (independently of conda-package-streaming, which the code under test reads with)."""
    if path.name.endswith(".conda"):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.endswith(".tar.zst"):
                    raw = zstd.decompress(archive.read(name))
                    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
                        tar.extractall(dest, filter="tar")
    else:
        with tarfile.open(path, "r:bz2") as tar:
            tar.extractall(dest, filter="tar")
    return dest


@dataclass(frozen=True)
class Member:
    """One archive member as tarfile sees it: its type, link target and bytes (files only)."""

    kind: str  # "file", "symlink" or "other"
    target: str = ""
    data: bytes | None = None
    mode: int = 0


def members(path: Path) -> dict[str, Member]:
    """Every member of a .conda (both tarballs) or .tar.bz2, read with the standard library."""
    tars = []
    if path.name.endswith(".conda"):
        with zipfile.ZipFile(path) as archive:
            tars = [
                zstd.decompress(archive.read(n))
                for n in archive.namelist()
                if n.endswith(".tar.zst")
            ]
    found = {}
    for raw in tars or [path.read_bytes()]:
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            for m in tar.getmembers():
                if m.issym():
                    found[m.name] = Member("symlink", m.linkname, mode=m.mode)
                elif m.isfile():
                    found[m.name] = Member("file", data=tar.extractfile(m).read(), mode=m.mode)
                else:
                    found[m.name] = Member("other", mode=m.mode)
    return found


def held_differently(path: Path) -> list[str]:
    """Paths whose archive member is not what info/paths.json says: a regular file where it
    lists a softlink (or the reverse), or other bytes than its sha256."""
    held = members(path)
    found = []
    for entry in json.loads(held["info/paths.json"].data)["paths"]:
        member = held[entry["_path"]]
        softlink = entry.get("path_type") == "softlink"
        changed = not softlink and entry.get("sha256") not in (None, _sha256(member.data))
        if (member.kind == "symlink") != softlink or changed:
            found.append(entry["_path"])
    return sorted(found)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

"""Reading one package archive: a local file, a whole download, or the `info-*` member of a
remote `.conda` over HTTP range requests. Digests are checked before anything is parsed.

Three ways in, with what each can prove:
- local (`file://`): the whole file is hashed; sha256 and size are checked against repodata.
- download (remote `.tar.bz2`, or any remote file when `CONTENTS_MODE=full`): the same, while
  the bytes arrive.
- range (remote `.conda`): only the ZIP directory and the `info-*` member are fetched. The
  archive's size is checked (the server states it), its sha256 cannot be: the document says so.

In the two whole-archive modes every shipped file is hashed too (SHA-256 against paths.json,
and SHA-1, which SPDX needs per file).
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlsplit

import requests
from conda_package_streaming.lazy_wheel import HTTPRangeRequestUnsupported
from conda_package_streaming.lazy_wheel import LazyConda
from conda_package_streaming.package_streaming import stream_conda_component

from common import upstream_budget
from contents.bounded import InfoMembers
from contents.checks import check_files
from contents.checks import mismatch_note
from contents.info import is_info_member
from contents.info import parse_info

CHUNK = 1 << 16
READ_LOCAL = "local"
READ_DOWNLOAD = "download"
READ_RANGE = "range"


class ArchiveError(Exception):
    """The archive could not be read (missing, unreachable, not a conda package)."""

    def __init__(self, message: str, *, missing: bool = False):
        super().__init__(message)
        self.missing = missing


class ArchiveMismatch(Exception):
    """The archive is not the one the channel's repodata describes (size or sha256)."""

    def __init__(self, what: str, expected: object, actual: object):
        super().__init__(f"{what} is {actual}, the channel's repodata says {expected}")
        self.what = what
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class ArchiveRef:
    """Where a package file is and what the channel's repodata says it is."""

    url: str  # file:// or http(s)://
    filename: str
    sha256: str
    size: int | None = None
    credential: str = field(default="", repr=False)
    auth_scheme: str = "token"

    @property
    def remote(self) -> bool:
        """Whether the archive is fetched over HTTP(S)."""
        return self.url.startswith(("http://", "https://"))


@dataclass
class Transfer:
    """Bytes and requests one read cost (for the document, the tests and `make bench`)."""

    bytes: int = 0
    requests: int = 0


class _Session(requests.Session):
    """A session with a default timeout, counting what it fetches."""

    def __init__(self, timeout: tuple[float, float], ref: ArchiveRef, transfer: Transfer):
        super().__init__()
        self._timeout = timeout
        self.headers["User-Agent"] = "conda-badges-contents/0.1"
        if ref.credential:
            self.headers["Authorization"] = f"{ref.auth_scheme} {ref.credential}"
        self.hooks["response"].append(self._count)
        self._transfer = transfer

    def _count(self, response: requests.Response, *args, **kwargs) -> None:
        """Count each response's body as its Content-Length declares (LazyConda reads some
        bodies twice, through `.content` and `iter_content`, so counting reads would not do)."""
        self._transfer.requests += 1
        length = response.headers.get("Content-Length", "")
        self._transfer.bytes += int(length) if length.isdigit() else 0

    def request(self, *args, **kwargs):  # noqa: D102 - requests' own interface
        kwargs.setdefault("timeout", self._timeout)
        upstream_budget.spend()  # each request of a read counts against the client's budget
        response = super().request(*args, **kwargs)
        if response.status_code == 404:
            raise ArchiveError("the package file is not on the channel's server", missing=True)
        if response.status_code in (401, 403):
            raise ArchiveError(
                f"the channel's server refused the download ({response.status_code})"
            )
        return response


def _stem(filename: str) -> str:
    return (
        filename[: -len(".conda")] if filename.endswith(".conda") else filename[: -len(".tar.bz2")]
    )


def _hash_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict:
    """SHA-256, SHA-1, size and mode of one shipped file; a link gets its type and target."""
    if member.issym():
        return {"type": "symlink", "target": member.linkname, "mode": member.mode}
    if member.islnk():
        return {"type": "link", "target": member.linkname, "mode": member.mode}
    if not member.isfile():
        return {"type": "other", "mode": member.mode}
    handle = tar.extractfile(member)
    sha256, sha1, size = hashlib.sha256(), hashlib.sha1(), 0  # noqa: S324 - SPDX needs SHA-1
    if handle is not None:
        while chunk := handle.read(CHUNK):
            sha256.update(chunk)
            sha1.update(chunk)
            size += len(chunk)
    return {
        "type": "file",
        "sha256": sha256.hexdigest(),
        "sha1": sha1.hexdigest(),
        "size": size,
        "mode": member.mode,
    }


def _walk(path_or_file, filename: str, component: str):
    """(tar, member) of one component: `info`/`pkg` of a `.conda`, everything of a `.tar.bz2`."""
    try:
        yield from stream_conda_component(filename, path_or_file, component)
    except (tarfile.TarError, OSError, LookupError, EOFError, ValueError) as error:
        raise ArchiveError(f"not a readable conda package ({type(error).__name__})") from error
    except Exception as error:  # zstd and zipfile raise their own error types
        raise ArchiveError(f"not a readable conda package ({type(error).__name__})") from error


def read_members(path: Path, filename: str) -> tuple[InfoMembers, dict[str, dict]]:
    """(info members, bounded, and shipped files by path with their hashes) of a whole
    archive."""
    info = InfoMembers()
    shipped: dict[str, dict] = {}
    with path.open("rb") as handle:
        if filename.endswith(".conda"):
            for tar, member in _walk(handle, filename, "info"):
                info.add(tar, member)
            handle.seek(0)
            for tar, member in _walk(handle, filename, "pkg"):
                shipped[member.name] = _hash_member(tar, member)
        else:
            for tar, member in _walk(handle, filename, "pkg"):
                if is_info_member(member.name):
                    info.add(tar, member)
                else:
                    shipped[member.name] = _hash_member(tar, member)
    return info, shipped


def _parse(info: InfoMembers) -> dict:
    """The contents document of what was read (with notes on what the bounds left out)."""
    return parse_info(info.data, digests=info.digests, listed=info.listed, notes=info.finish())


def _digests_of(path: Path) -> tuple[str, str, int]:
    """(sha256, sha512, size) of a whole file."""
    sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha256.update(chunk)
            sha512.update(chunk)
            size += len(chunk)
    return sha256.hexdigest(), sha512.hexdigest(), size


def _check(ref: ArchiveRef, sha256: str | None, size: int | None) -> None:
    if ref.size is not None and size is not None and size != ref.size:
        raise ArchiveMismatch("the archive's size", ref.size, size)
    if sha256 is not None and sha256 != ref.sha256.lower():
        raise ArchiveMismatch("the archive's sha256", ref.sha256.lower(), sha256)


def _archive_facts(
    how: str, ref: ArchiveRef, transfer: Transfer, whole: bool, sha512: str | None = None
) -> dict:
    """How the archive was read and what that verified (a whole read checks the sha256 and
    every file, and computes the SHA-512; a range read checks only the size)."""
    return {
        "read": how,
        "sha256": ref.sha256.lower(),
        "sha512": sha512,
        "size": ref.size,
        "sha256_verified": whole,
        "size_verified": ref.size is not None,
        "files_hashed": whole,
        "bytes_fetched": transfer.bytes,
        "requests": transfer.requests,
    }


def _whole(path: Path, ref: ArchiveRef, how: str, transfer: Transfer, verified: bool) -> dict:
    """Verify (the caller may have while downloading), then read and check every file."""
    sha256, sha512, size = _digests_of(path)
    if not verified:
        _check(ref, sha256, size)
    info, shipped = read_members(path, ref.filename)
    document = _parse(info)
    files = check_files(document, shipped)
    document["archive"] = {
        **_archive_facts(how, ref, transfer, whole=True, sha512=sha512),
        **files,
    }
    differing = set(files["mismatched_paths"])
    document["notes"].extend(
        mismatch_note(entry) for entry in document["paths"] if entry["path"] in differing
    )
    return document


def read_local(ref: ArchiveRef) -> dict:
    """The contents of a `file://` archive, after checking its sha256 and size."""
    path = Path(unquote(urlsplit(ref.url).path))
    if not path.is_file():
        raise ArchiveError("the package file is not in the channel's folder", missing=True)
    return _whole(path, ref, READ_LOCAL, Transfer(), verified=False)


def read_download(ref: ArchiveRef, timeout: tuple[float, float], max_bytes: int) -> dict:
    """Download the whole archive (hashing as it arrives), verify it, then read it."""
    transfer = Transfer()
    limit = min(max_bytes, ref.size) if ref.size is not None else max_bytes
    with _Session(timeout, ref, transfer) as session, tempfile.NamedTemporaryFile() as spool:
        try:
            response = session.get(ref.url, stream=True)
            response.raise_for_status()
            digest, size = hashlib.sha256(), 0
            for chunk in response.iter_content(CHUNK):
                size += len(chunk)
                if size > limit:
                    if ref.size is not None and size > ref.size:
                        raise ArchiveMismatch("the archive's size", ref.size, f"more than {limit}")
                    raise ArchiveError(f"the package file is larger than {max_bytes} bytes")
                digest.update(chunk)
                spool.write(chunk)
        except requests.RequestException as error:
            raise ArchiveError(f"download failed ({type(error).__name__})") from error
        spool.flush()
        _check(ref, digest.hexdigest(), size)
        return _whole(Path(spool.name), ref, READ_DOWNLOAD, transfer, verified=True)


def read_range(ref: ArchiveRef, timeout: tuple[float, float], max_bytes: int) -> dict:
    """Only the `info-*` member of a remote `.conda`, by HTTP range requests.

    The archive's total size (from `Content-Range`) is checked against repodata; its sha256
    cannot be without all of its bytes. A server without range support gets a whole download.
    """
    transfer = Transfer()
    with _Session(timeout, ref, transfer) as session:
        try:
            lazy = LazyConda(ref.url, session)
            size = lazy.seek(0, io.SEEK_END)
            lazy.seek(0)
            _check(ref, None, size)
            lazy.prefetch(_stem(ref.filename))
            info = InfoMembers()
            for tar, member in _walk(lazy, ref.filename, "info"):
                info.add(tar, member)
            lazy.close()
        except HTTPRangeRequestUnsupported:
            return read_download(ref, timeout, max_bytes)
        except requests.RequestException as error:
            raise ArchiveError(f"range requests failed ({type(error).__name__})") from error
        except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as error:  # not a .conda
            raise ArchiveError(f"not a readable conda package ({type(error).__name__})") from error
    document = _parse(info)
    document["archive"] = _archive_facts(READ_RANGE, ref, transfer, whole=False)
    document["notes"].append(
        "archive digest not verified: only the info member was fetched (HTTP range requests), "
        "so the archive's sha256 could not be compared with the channel's repodata; its size was"
    )
    return document

"""Conda package URLs: channel, subdir, file name and the name-version-build triple."""

from __future__ import annotations

from urllib.parse import unquote
from urllib.parse import urlsplit

from common.errors import InvalidName
from common.names import file_name
from common.names import subdir_name
from environments.errors import LockError

EXTENSIONS = (".conda", ".tar.bz2")
SCHEMES = ("https", "http", "file", "s3")


def split_filename(filename: str) -> tuple[str, str, str]:
    """(name, version, build) of `name-version-build.conda|.tar.bz2`."""
    stem = next((filename[: -len(e)] for e in EXTENSIONS if filename.endswith(e)), None)
    parts = stem.rsplit("-", 2) if stem else []
    if len(parts) != 3 or not all(parts):
        raise LockError(f"{filename!r} is not a conda package file name (name-version-build)")
    return parts[0], parts[1], parts[2]


def split_url(url: str) -> tuple[str, str, str]:
    """(channel URL, subdir, file name) of a conda package URL (http(s), file or s3; the
    subdir and file name valid conda names). Lock URLs are never fetched."""
    parts = urlsplit(url[:2048])
    head, _, filename = parts.path.rstrip("/").rpartition("/")
    _, _, subdir = head.rpartition("/")
    filename = unquote(filename)
    shape = f"{url[:200]!r} is not a conda package URL (<channel>/<subdir>/<file>)"
    if parts.scheme not in SCHEMES or (parts.scheme != "file" and not parts.hostname):
        raise LockError(f"{shape}: its scheme must be one of {', '.join(SCHEMES)} with a host")
    try:
        subdir_name(subdir)
        file_name(filename)
    except InvalidName as error:
        raise LockError(f"{shape}: {error.message}") from None
    channel = url[: url.rfind("/" + subdir + "/")] if ("/" + subdir + "/") in url else ""
    return channel, subdir, filename

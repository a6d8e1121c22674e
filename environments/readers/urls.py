"""Conda package URLs: channel, subdir, file name and the name-version-build triple."""

from __future__ import annotations

from urllib.parse import unquote
from urllib.parse import urlsplit

from environments.errors import LockError

EXTENSIONS = (".conda", ".tar.bz2")


def split_filename(filename: str) -> tuple[str, str, str]:
    """(name, version, build) of `name-version-build.conda|.tar.bz2`."""
    stem = next((filename[: -len(e)] for e in EXTENSIONS if filename.endswith(e)), None)
    parts = stem.rsplit("-", 2) if stem else []
    if len(parts) != 3 or not all(parts):
        raise LockError(f"{filename!r} is not a conda package file name (name-version-build)")
    return parts[0], parts[1], parts[2]


def split_url(url: str) -> tuple[str, str, str]:
    """(channel URL, subdir, file name) of a conda package URL."""
    path = urlsplit(url).path
    head, _, filename = path.rstrip("/").rpartition("/")
    _, _, subdir = head.rpartition("/")
    filename = unquote(filename)
    if not filename.endswith(EXTENSIONS) or not subdir:
        raise LockError(f"{url!r} is not a conda package URL (<channel>/<subdir>/<file>)")
    channel = url[: url.rfind("/" + subdir + "/")] if ("/" + subdir + "/") in url else ""
    return channel, subdir, filename

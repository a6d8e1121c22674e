"""`@EXPLICIT` files (CEP 23): one package URL a line, with an md5 or `sha256:` anchor."""

from __future__ import annotations

import re

from environments.errors import LockError
from environments.model import CONDA
from environments.model import LockedPackage
from environments.readers.urls import split_filename
from environments.readers.urls import split_url

MD5 = re.compile(r"[0-9a-fA-F]{32}")
SHA256 = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})")


def _line(line: str) -> LockedPackage:
    url, _, anchor = line.partition("#")
    sha256 = md5 = None
    if anchor:
        if MD5.fullmatch(anchor):
            md5 = anchor.lower()
        elif found := SHA256.fullmatch(anchor):
            sha256 = found.group(1).lower()
        else:
            raise LockError(f"explicit file: {anchor!r} is neither an md5 nor a sha256 anchor")
    channel, subdir, filename = split_url(url)
    name, version, build = split_filename(filename)
    return LockedPackage(
        CONDA,
        name,
        version,
        url,
        sha256,
        md5,
        build=build,
        subdir=subdir,
        filename=filename,
        channel_url=channel,
    )


def read_explicit(text: str) -> dict[str, dict[str, tuple[LockedPackage, ...]]]:
    """The packages of an explicit file, under environment `default` and its platform."""
    platform, packages, started = "", [], False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("# platform:"):
            platform = line.split(":", 1)[1].strip()
        elif line == "@EXPLICIT":
            started = True
        elif line and not line.startswith("#") and started:
            packages.append(_line(line))
    if not started:
        raise LockError("explicit file: no `@EXPLICIT` line")
    if not packages:
        raise LockError("explicit file: no package URL after `@EXPLICIT`")
    if not platform:
        subdirs = {p.subdir for p in packages} - {"noarch"}
        if len(subdirs) > 1:
            raise LockError(f"explicit file: packages of several platforms {sorted(subdirs)}")
        platform = subdirs.pop() if subdirs else "noarch"
    return {"default": {platform: tuple(packages)}}

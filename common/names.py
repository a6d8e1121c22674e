"""Validation of the names that reach us in URLs: channels, packages, subdirs and file names."""

from __future__ import annotations

import re

from common.errors import InvalidName

MAX_NAME_LENGTH = 255

# conda package names: lowercase letters, digits and . _ - (we accept upper case too; some
# old channels have it). Channel and label names follow anaconda.org: letters, digits, . _ -
_PACKAGE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
_SUBDIR = re.compile(r"^(noarch|[a-z0-9]+-[a-z0-9_]+)$")
_FILENAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+!-]*\.(conda|tar\.bz2)$")


def _check(kind: str, value: str, pattern: re.Pattern[str]) -> str:
    if not value:
        raise InvalidName(f"{kind} name is empty")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidName(f"{kind} name is longer than {MAX_NAME_LENGTH} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidName(f"{kind} name contains control characters")
    if ".." in value or "/" in value or "\\" in value:
        raise InvalidName(f"{kind} name may not contain '..', '/' or '\\'")
    if not pattern.match(value):
        raise InvalidName(f"{kind} name {value!r} has characters a {kind} name cannot have")
    return value


def channel_name(value: str) -> str:
    """Return a valid channel name or raise InvalidName."""
    return _check("channel", value, _CHANNEL_NAME)


def subchannel_name(value: str) -> str:
    """Return a valid subchannel (label) name or raise InvalidName."""
    return _check("subchannel", value, _CHANNEL_NAME)


def package_name(value: str) -> str:
    """Return a valid package name or raise InvalidName."""
    return _check("package", value, _PACKAGE_NAME)


def subdir_name(value: str) -> str:
    """Return a valid subdir (platform) name such as linux-64 or noarch, or raise InvalidName."""
    return _check("subdir", value, _SUBDIR)


def file_name(value: str) -> str:
    """Return a valid package file name (.conda or .tar.bz2) or raise InvalidName."""
    return _check("file", value, _FILENAME)


def split_file_name(filename: str) -> tuple[str, str, str, str]:
    """Split `name-version-build.ext` into (name, version, build, extension)."""
    file_name(filename)
    ext = "conda" if filename.endswith(".conda") else "tar.bz2"
    stem = filename[: -(len(ext) + 1)]
    parts = stem.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        raise InvalidName(f"file name {filename!r} is not name-version-build.{ext}")
    name, version, build = parts
    return name, version, build, ext

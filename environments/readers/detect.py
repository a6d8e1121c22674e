"""Which lockfile format a body is, and reading it into a Lock."""

from __future__ import annotations

import hashlib
import json
import re
import threading

import yaml
from cachetools import LRUCache

from environments.errors import HOW_TO_LOCK
from environments.errors import LockError
from environments.errors import NotALock
from environments.model import Lock
from environments.readers.condalock import read_conda_lock
from environments.readers.condameta import read_archive
from environments.readers.condameta import record_package
from environments.readers.explicit import read_explicit
from environments.readers.pixi import read_pixi

ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x28\xb5\x2f\xfd")
PIXI = re.compile(rb"\Aversion: *(\d+)\s*$.*?^environments:", re.M | re.S)
CACHE_LOCKS, CACHE_PACKAGES = 16, 50_000
# weighed by packages; a lock heavier than the whole bound is not kept
_CACHE: LRUCache[str, Lock] = LRUCache(CACHE_PACKAGES, getsizeof=lambda lock: lock.package_count)
_CACHE_LOCK = threading.Lock()
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FORMATS = "pixi.lock (v6, v7), conda-lock.yml (v1), an @EXPLICIT file or conda-meta records"


def _is_tar(data: bytes) -> bool:
    return len(data) > 262 and data[257:262] == b"ustar"


def _yaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise LockError(f"the lockfile is not valid YAML{where}: it may be truncated") from None


def _environments(data: bytes) -> tuple[str, dict]:
    if data.startswith(ARCHIVE_MAGIC) or _is_tar(data):
        return "conda-meta", read_archive(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LockError(f"the body is not UTF-8 text nor an archive; send {FORMATS}") from None
    if any(line.strip() == "@EXPLICIT" for line in text.splitlines()):
        return "explicit", read_explicit(text)
    if text.lstrip().startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            raise LockError("the body looks like JSON but is not valid JSON") from None
        package = record_package(record, "the record")
        return "conda-meta", {"default": {package.subdir: (package,)}}
    pixi = PIXI.match(data)
    if pixi:
        version = int(pixi.group(1))
        return f"pixi.lock v{version}", read_pixi(data, version)
    document = _yaml(text)
    if not isinstance(document, dict):
        raise LockError(f"not a lockfile; send {FORMATS}")
    if "environments" in document:
        raise LockError("pixi.lock without a `version:` first line; run `pixi lock` again")
    if "package" in document and "metadata" in document:
        return "conda-lock.yml v1", read_conda_lock(document)
    if "dependencies" in document:
        raise NotALock(HOW_TO_LOCK)
    raise LockError(f"not a lockfile; send {FORMATS}")


def read_lock(data: bytes) -> Lock:
    """The Lock of a lockfile body (LockError / NotALock say why it cannot be read).

    Locks are immutable and named by their sha256, so the last few read are kept (per
    process, by count and packages): a lockfile sent again is not parsed again."""
    if not data.strip():
        raise LockError(f"the lockfile is empty; send {FORMATS}")
    digest = hashlib.sha256(data).hexdigest()
    with _CACHE_LOCK:
        found = _CACHE.get(digest)
        if found is not None:
            return found
    kind, environments = _environments(data)
    if not any(pkgs for env in environments.values() for pkgs in env.values()):
        raise LockError("the lockfile locks no package")
    lock = Lock(kind, digest, environments)
    with _CACHE_LOCK:
        if lock.package_count <= CACHE_PACKAGES:
            _CACHE[digest] = lock
        while len(_CACHE) > CACHE_LOCKS:
            _CACHE.popitem()
    return lock

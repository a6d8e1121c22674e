"""Contents of a package file: from memory, the shared store, or (once) the archive itself."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache

from common.errors import AppError
from common.errors import ArchiveIntegrityError
from common.errors import NotFound
from common.errors import UpstreamError
from common.settings import Settings
from contents import archive
from contents.archive import ArchiveRef
from contents.store import MemoryCache
from contents.store import make_store

log = logging.getLogger(__name__)

MODE_RANGE = "range"
MODE_FULL = "full"


@dataclass
class ReadStats:
    """What this process did: archive reads, store hits, memory hits (for tests and benches)."""

    reads: int = 0
    store_hits: int = 0
    memory_hits: int = 0


def needs_whole_archive(ref: ArchiveRef, mode: str) -> bool:
    """Whether this archive is read whole (and so verified by sha256): local files, `.tar.bz2`,
    and everything when CONTENTS_MODE=full."""
    return mode == MODE_FULL or not ref.remote or not ref.filename.endswith(".conda")


def good_enough(document: dict, ref: ArchiveRef, mode: str) -> bool:
    """Whether a stored document satisfies this read: verified, unless range reads are allowed."""
    verified = bool(document.get("archive", {}).get("sha256_verified"))
    return verified or not needs_whole_archive(ref, mode)


def store_keys(ref: ArchiveRef) -> list[str]:
    """Where a document may be kept: under the sha256 alone once the archive's sha256 was
    verified (a fact about those bytes, wherever they are served); a range read, which cannot
    verify it, only under the sha256 *and* the archive's URL, so that one upstream's claim
    never answers for another's."""
    sha256 = ref.sha256.lower()
    if not ref.remote:
        return [sha256]
    where = hashlib.sha256(ref.url.encode()).hexdigest()[:32]
    return [sha256, f"{sha256}:{where}"]


class FailedReads:
    """Archives whose read failed lately (this process): the same error again, at once,
    until `ttl` seconds have passed, instead of a new download each time (bounded, LRU)."""

    def __init__(self, ttl: float, entries: int = 1024):
        self.ttl = ttl
        self._items: TTLCache[str, AppError] = TTLCache(
            maxsize=entries, ttl=max(ttl, 0.001), timer=time.monotonic
        )
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Raise the remembered error of `key` (a fresh copy) if it failed within `ttl`."""
        with self._lock:
            error = self._items.get(key)
            if error is None:
                return
        raise type(error)(error.message, code=error.code, details=dict(error.details))

    def note(self, key: str, error: AppError) -> None:
        """Remember that reading `key` failed with `error`."""
        if self.ttl <= 0:
            return
        with self._lock:
            self._items[key] = error


class ContentsService:
    """Reads package contents once per archive and keeps them under its sha256, for ever."""

    def __init__(self, settings: Settings, locks: Callable[[], object] | None = None):
        """`locks` gives the cross-process locks (one archive read per key at a time)."""
        if settings.contents_mode not in (MODE_RANGE, MODE_FULL):
            raise ValueError(f"CONTENTS_MODE must be {MODE_RANGE} or {MODE_FULL}")
        self.settings = settings
        self.mode = settings.contents_mode
        self._store = None
        self._store_lock = threading.Lock()
        self._locks = locks
        self.memory = MemoryCache()
        self.failed = FailedReads(settings.contents_failure_ttl)
        self.stats = ReadStats()

    @property
    def store(self):
        """The shared store, opened in the worker process that first uses it."""
        if self._store is None:
            with self._store_lock:
                if self._store is None:
                    self._store = make_store(self.settings.cache_redis_url, self.settings.state_dir)
        return self._store

    def _stored(self, sha256: str) -> dict | None:
        try:
            return self.store.get(sha256)
        except Exception as error:  # a broken store must not stop reads (redis, sqlite errors)
            log.warning("contents store unavailable (%s)", type(error).__name__)
            return None

    def _keep(self, sha256: str, document: dict) -> None:
        self.memory.put(sha256, document)
        try:
            self.store.put(sha256, document)
        except Exception as error:  # keep serving; the next worker reads the archive again
            log.warning("contents store unavailable (%s); not stored", type(error).__name__)

    def get(self, ref: ArchiveRef, label: str = "", mode: str | None = None) -> dict:
        """The contents document of `ref` (see contents.info), reading the archive on a miss;
        `mode` (`full`) asks for a whole read where the setting would read by ranges.

        Raises NotFound `contents_unavailable` when the archive is not on the server,
        ArchiveIntegrityError when its sha256 or size differ from repodata, UpstreamError when
        the server cannot be read. `label` names the file in messages (never the URL).
        """
        mode = MODE_FULL if mode == MODE_FULL else self.mode
        keys = store_keys(ref)
        for key in keys:
            found = self.memory.get(key)
            if found is not None and good_enough(found, ref, mode):
                self.stats.memory_hits += 1
                return found
        found = self._lookup(keys, ref, mode)
        if found is not None:
            return found
        failure_key = f"{ref.sha256.lower()}:{ref.url}"  # a failure is of that URL's bytes
        self.failed.check(failure_key)
        locks = self._locks() if self._locks else None
        hold = locks.hold(f"contents:{keys[-1]}", self.settings.lock_wait) if locks else None
        with hold or contextlib.nullcontext():
            found = self._lookup(keys, ref, mode)  # another worker may have just read it
            if found is not None:
                return found
            try:
                document = self._read(ref, label or ref.filename, mode)
            except (NotFound, UpstreamError, ArchiveIntegrityError) as error:
                self.failed.note(failure_key, error)
                raise
            verified = document["archive"]["sha256_verified"]
            self._keep(keys[0] if verified else keys[-1], document)
            return document

    def _lookup(self, keys: list[str], ref: ArchiveRef, mode: str) -> dict | None:
        for key in keys:
            found = self._stored(key)
            if found is not None and good_enough(found, ref, mode):
                self.stats.store_hits += 1
                self.memory.put(key, found)
                return found
        return None

    def _read(self, ref: ArchiveRef, label: str, mode: str) -> dict:
        timeout = self.settings.upstream_timeout
        limit = self.settings.contents_max_bytes
        self.stats.reads += 1
        try:
            if not ref.remote:
                return archive.read_local(ref)
            if needs_whole_archive(ref, mode):
                return archive.read_download(ref, timeout, limit)
            return archive.read_range(ref, timeout, limit)
        except archive.ArchiveMismatch as error:
            log.warning("package file %s does not match its repodata: %s", label, error.what)
            raise ArchiveIntegrityError(
                f"package file {label!r} does not match the channel's repodata: {error}; "
                "it may have been tampered with, so it is not described",
                code="archive_size_mismatch" if "size" in error.what else "archive_digest_mismatch",
                details={"expected": str(error.expected), "actual": str(error.actual)},
            ) from None
        except archive.ArchiveError as error:
            if error.missing:
                raise NotFound(
                    f"the contents of {label!r} are unavailable: {error}",
                    code="contents_unavailable",
                ) from None
            raise UpstreamError(
                f"the contents of {label!r} cannot be read now: {error}",
                code="contents_unreadable",
            ) from None

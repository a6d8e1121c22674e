"""One upstream fetch per key at a time: a Redis lock across replicas, a file lock on one host."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


# lock files per folder: keys hash onto this many files, so any number of keys (URLs of
# channels anyone may name, with the fallback upstream) leaves a bounded number of files
LOCK_STRIPES = 4096


class FileLocks:
    """flock()-based locks in a folder: shared by the worker processes of one host.

    Keys are striped over LOCK_STRIPES files: two keys may rarely share one (a short wait),
    and nothing holds two locks of one folder at once.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def hold(self, key: str, wait: float) -> Iterator[bool]:
        """Hold the lock for `key`, waiting at most `wait` s; yields whether it was acquired."""
        stripe = int(_digest(key)[:8], 16) % LOCK_STRIPES
        fd = os.open(self.folder / f"{stripe:04x}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        acquired = False
        deadline = time.monotonic() + wait
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    acquired = True
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(0.01)
            yield acquired
        finally:
            if acquired:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class RedisLocks:
    """Redis locks (SET NX with expiry): shared by every replica using the same Redis."""

    def __init__(self, url: str, lease: float = 15.0):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2)
        self.lease = lease

    @contextlib.contextmanager
    def hold(self, key: str, wait: float) -> Iterator[bool]:
        """Hold the lock for `key`, waiting at most `wait` s; yields whether it was acquired.

        If Redis itself fails, we go on without the lock: a duplicate fetch beats an outage.
        """
        import redis

        lock = self.client.lock(
            f"conda-badges:lock:{_digest(key)}", timeout=self.lease, blocking_timeout=wait
        )
        try:
            acquired = bool(lock.acquire())
        except redis.RedisError as error:
            log.warning("lock service unavailable (%s); fetching without it", type(error).__name__)
            acquired = False
        try:
            yield acquired
        finally:
            if acquired:
                with contextlib.suppress(redis.RedisError):
                    lock.release()

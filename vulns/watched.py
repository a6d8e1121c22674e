"""A file loaded once and loaded again when it is replaced or changed (checked every N seconds).

The database, a channel's OpenVEX document and a channel's mapping are all read this way: a
worker looks at the path at most every `check_interval` seconds; when its inode, size or
mtime changed it loads it again and uses the new value for later calls. A new version that
cannot be loaded is logged and the last good value kept.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class NotLoaded(RuntimeError):
    """The file has never been loaded successfully (the message says why)."""


class WatchedFile(Generic[T]):
    """`loader(path)`'s value, reloaded when the file changes; see the module doc."""

    def __init__(
        self,
        path: Path,
        loader: Callable[[Path], T],
        errors: tuple[type[Exception], ...],
        check_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        on_load: Callable[[T, T | None], None] | None = None,
    ):
        self.path, self.loader, self.errors = Path(path), loader, errors
        self.check_interval, self.clock, self.on_load = check_interval, clock, on_load
        self._value: T | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._checked = float("-inf")
        self._error = f"{self.path} has not been read"
        self._lock = threading.Lock()

    def get(self) -> tuple[T, tuple[int, int, int]]:
        """(the current value, the stamp of the file it came from); NotLoaded if none."""
        now = self.clock()
        if now - self._checked >= self.check_interval:
            with self._lock:
                if now - self._checked >= self.check_interval:
                    self._refresh()
                    self._checked = now
        if self._value is None or self._stamp is None:
            raise NotLoaded(self._error)
        return self._value, self._stamp

    def _refresh(self) -> None:
        try:
            stat = os.stat(self.path)
        except OSError as error:
            if self._value is None:
                self._error = f"{self.path}: {error.strerror}"
            return
        stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if stamp == self._stamp:
            return
        try:
            value = self.loader(self.path)
        except self.errors as error:
            self._error = str(error)
            log.error("%s not (re)loaded, keeping the last good version: %s", self.path, error)
            return
        if self.on_load is not None:
            self.on_load(value, self._value)
        self._value, self._stamp = value, stamp

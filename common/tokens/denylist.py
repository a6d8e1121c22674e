"""Revoked token ids (`jti`): a text file (one per line) and, when configured, a Redis set."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from common.errors import UpstreamError

log = logging.getLogger(__name__)

REDIS_KEY = "conda-badges:tokens:revoked"


class Denylist:
    """Answers whether a `jti` is revoked; fails closed (503) when Redis cannot answer, and
    when the file is missing or unreadable (a missing file is allowed only when `optional`).

    The file is re-read whenever its size, inode or mtime changes, so appending a line takes
    effect on the next request in every process. Blank lines and `#` comments are ignored.
    """

    def __init__(
        self,
        path: Path | None = None,
        redis_url: str = "",
        *,
        redis_client=None,
        optional: bool = False,
    ):
        self.path = path
        self.optional = optional  # a missing file means "nothing revoked" only when optional
        self._missing_logged = False
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._ids: frozenset[str] = frozenset()
        self._redis = redis_client
        if self._redis is None and redis_url:
            import redis

            self._redis = redis.Redis.from_url(
                redis_url, socket_timeout=1.0, socket_connect_timeout=1.0
            )

    def is_revoked(self, jti: str) -> bool:
        """Whether `jti` is in the file or the Redis set."""
        if jti in self._file_ids():
            return True
        if self._redis is None:
            return False
        try:
            return bool(self._redis.sismember(REDIS_KEY, jti))
        except Exception as error:  # redis raises many types; any failure means "unknown"
            log.warning("token deny list in Redis unreachable (%s)", type(error).__name__)
            raise UpstreamError(
                "the token deny list is unavailable", code="token_denylist_unavailable"
            ) from error

    def _file_ids(self) -> frozenset[str]:
        if self.path is None:
            return frozenset()
        try:
            st = os.stat(self.path)
        except FileNotFoundError as error:
            if self.optional:
                return frozenset()
            if not self._missing_logged:  # once, not once per request
                log.error(
                    "token deny list file %s is missing: refusing every token (503) until it "
                    "exists; set TOKEN_DENYLIST_OPTIONAL=true if no file is intended",
                    self.path,
                )
                self._missing_logged = True
            raise UpstreamError(
                "the token deny list is unavailable", code="token_denylist_unavailable"
            ) from error
        self._missing_logged = False
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._ids = read_denylist_file(self.path)
                except (OSError, UnicodeError) as error:
                    log.warning("token deny list file unreadable (%s)", type(error).__name__)
                    raise UpstreamError(
                        "the token deny list is unavailable", code="token_denylist_unavailable"
                    ) from error
                self._stamp = stamp
            return self._ids


def read_denylist_file(path: Path) -> frozenset[str]:
    """The ids in a deny list file (one per line, `#` starts a comment)."""
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        value = line.split("#", 1)[0].strip()
        if value:
            ids.add(value)
    return frozenset(ids)


def revoke(jti: str, path: Path | None = None, redis_client=None) -> None:
    """Add `jti` to the deny list file and/or the Redis set."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(jti + "\n")
    if redis_client is not None:
        redis_client.sadd(REDIS_KEY, jti)

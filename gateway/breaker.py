"""A circuit breaker per upstream host: after repeated failures, one probe per interval.

pybreaker was tried first; it holds its lock for the whole duration of every call, which would
serialize all fetches to one host within a worker. This one locks only to change its state.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit


class CircuitOpenError(Exception):
    """The breaker is open: the upstream is not called until the next probe."""


class CircuitBreaker:
    """Closed -> (fail_max failures) -> open -> (reset_timeout) -> one probe -> closed/open."""

    def __init__(
        self, fail_max: int, reset_timeout: float, clock: Callable[[], float] = time.monotonic
    ):
        self.fail_max = fail_max
        self.reset_timeout = reset_timeout
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self.probing = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """`closed`, `open` or `half-open` (a probe is allowed or under way)."""
        if self.opened_at is None:
            return "closed"
        if self.probing or self.clock() - self.opened_at >= self.reset_timeout:
            return "half-open"
        return "open"

    def before_call(self) -> bool:
        """Allow a call (True if it is the probe), or raise CircuitOpenError."""
        with self._lock:
            if self.opened_at is None:
                return False
            if self.probing or self.clock() - self.opened_at < self.reset_timeout:
                raise CircuitOpenError("circuit open: waiting for the next probe")
            self.probing = True
            return True

    def record_success(self) -> None:
        """The call worked: close the breaker."""
        with self._lock:
            self.failures, self.opened_at, self.probing = 0, None, False

    def record_failure(self) -> None:
        """The call failed: count it; open (again) at the threshold or after a failed probe."""
        with self._lock:
            self.failures += 1
            if self.probing or self.failures >= self.fail_max:
                self.opened_at = self.clock()
            self.probing = False


class Breakers:
    """One circuit breaker per upstream host."""

    def __init__(self, fail_max: int, reset_timeout: float):
        self.fail_max = fail_max
        self.reset_timeout = reset_timeout
        self._breakers: dict[str, CircuitBreaker] = {}
        self._lock = threading.Lock()

    def for_url(self, url: str) -> CircuitBreaker:
        """The breaker of the URL's host."""
        host = urlsplit(url).netloc or "local"
        with self._lock:
            breaker = self._breakers.get(host)
            if breaker is None:
                breaker = CircuitBreaker(self.fail_max, self.reset_timeout)
                self._breakers[host] = breaker
            return breaker

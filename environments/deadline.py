"""A per-request time limit for environment reports and SBOMs: past it, 503
`environment_timeout` with Retry-After, never a half answer."""

from __future__ import annotations

import time
from contextvars import ContextVar

from common.errors import AppError

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar(
    "environments_deadline", default=None
)


class EnvironmentTimeout(AppError):
    """The report or SBOM took longer than ENVIRONMENTS_TIME_LIMIT seconds."""

    status = 503
    code = "environment_timeout"
    headers = {"Retry-After": "30"}


def begin(seconds: float) -> None:
    """Start the current request's time limit (0 or less: none)."""
    _DEADLINE.set((time.monotonic() + seconds, seconds) if seconds > 0 else None)


def end() -> None:
    """Lift the current request's time limit."""
    _DEADLINE.set(None)


def check() -> None:
    """Raise EnvironmentTimeout when the current request's time limit has passed."""
    current = _DEADLINE.get()
    if current is not None and time.monotonic() > current[0]:
        raise EnvironmentTimeout(
            f"the environment took longer than the limit of {current[1]:g} seconds; "
            "send it again later or ask for a smaller environment",
            details={"limit_seconds": current[1]},
        )

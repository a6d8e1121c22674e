"""The errors an environment request can meet, each an AppError with its own status."""

from __future__ import annotations

from common.errors import AppError

HOW_TO_LOCK = (
    "this is an environment.yml, a list of wishes, not a lock: lock it first, with "
    "`pixi init --import environment.yml && pixi lock` (then send pixi.lock), "
    "`conda-lock lock -f environment.yml` (then send conda-lock.yml), or create the "
    "environment and send `conda list --explicit --sha256`"
)


class LockError(AppError):
    """A lockfile that cannot be read: truncated, wrong version, not a lock (400)."""

    status = 400
    code = "invalid_lockfile"


class NotALock(LockError):
    """An environment.yml (or another spec that pins nothing): it must be locked first."""

    code = "not_a_lockfile"


class UnknownSelection(LockError):
    """An environment or platform the lockfile does not have."""

    code = "unknown_environment"


class LockTooLarge(AppError):
    """A lockfile body or package count above the configured limit (413)."""

    status = 413
    code = "lockfile_too_large"

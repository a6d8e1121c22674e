"""How many upstream requests one client request may cause: a budget per request.

The gateway opens a budget for each request it handles (`UPSTREAM_REQUEST_BUDGET` for clients,
`UPSTREAM_INTERNAL_BUDGET` for our own services' calls); every HTTP request to an upstream
(documents that are not cached, shards, archive reads) spends one unit, and a request that
needs more is refused with 429 `upstream_budget_exhausted` (what it fetched stays cached, so
asking again goes further). Cached and `file://` reads cost nothing. Outside a request (the
host index's background refresh) nothing is counted.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from common.errors import AppError


class UpstreamBudgetExhausted(AppError):
    """This request needs more upstream requests than one request may cause."""

    status = 429
    code = "upstream_budget_exhausted"


@dataclass
class Budget:
    """The upstream requests one client request may still make."""

    limit: int
    spent: int = 0

    def allows(self) -> bool:
        """Whether one more upstream request is allowed."""
        return self.spent < self.limit

    def spend(self) -> None:
        """Count one upstream request, or raise UpstreamBudgetExhausted when none is left."""
        if not self.allows():
            raise exhausted(self.limit)
        self.spent += 1


_CURRENT: ContextVar[Budget | None] = ContextVar("upstream_budget", default=None)


def exhausted(limit: int) -> UpstreamBudgetExhausted:
    """The error a request gets when it would need more than `limit` upstream requests."""
    return UpstreamBudgetExhausted(
        f"this request needs more than {limit} upstream requests; what was fetched is cached, "
        "so the same request goes further when sent again",
        details={"limit": limit},
    )


def begin(limit: int) -> Budget:
    """Open a budget of `limit` upstream requests for the current request."""
    budget = Budget(limit)
    _CURRENT.set(budget)
    return budget


def end() -> Budget | None:
    """Close the current request's budget; returns it (None when none was open)."""
    budget = _CURRENT.get()
    _CURRENT.set(None)
    return budget


def current() -> Budget | None:
    """The current request's budget (None outside a request: nothing is counted)."""
    return _CURRENT.get()


def spend() -> None:
    """Count one upstream request against the current budget (if any)."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.spend()

"""How long shared caches (the edge, the gateway's response cache) may keep a public answer.

Two rules bound how long withdrawn data (a package removed upstream, a channel made private)
stays public: a public 403, 404 or 410 is storable for `WITHDRAWN_MAX_AGE` seconds, so when the
edge refreshes an expired answer in the background the new answer replaces the old 200 (an
unstorable one would leave the old 200 served for ever); and a badge or SBOM is kept by shared
caches for at most `GATEWAY_SHARED_MAX_AGE` seconds (`s-maxage`), whatever its `max-age`.
"""

from __future__ import annotations

from gateway.response_cache import shared_max_age

WITHDRAWN_STATUSES = frozenset({403, 404, 410})
WITHDRAWN_MAX_AGE = 10  # seconds a public "not here (any more)" answer may be shared


def withdrawn_cache_control(status: int, tokenized: bool, current: str | None) -> str | None:
    """The Cache-Control a public 403/404/410 without one gets (short, storable), else None."""
    if status in WITHDRAWN_STATUSES and not tokenized and not current:
        return f"public, max-age={WITHDRAWN_MAX_AGE}"
    return None


def cap_shared_lifetime(cache_control: str | None, cap: int) -> str | None:
    """`cache_control` with its shared lifetime (s-maxage, else max-age) at most `cap` seconds."""
    seconds = shared_max_age(cache_control)
    if cache_control is None or seconds is None or seconds <= cap:
        return cache_control
    kept = [part.strip() for part in cache_control.split(",") if part.strip()]
    kept = [part for part in kept if not part.lower().startswith("s-maxage")]
    return ", ".join([*kept, f"s-maxage={cap}"])

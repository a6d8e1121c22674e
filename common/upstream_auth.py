"""The Authorization header a request to an upstream channel carries (anaconda.org style)."""

from __future__ import annotations

DEFAULT_SCHEME = "token"  # anaconda.org's; platform APIs use "Bearer"


def authorization(credential: str, scheme: str = DEFAULT_SCHEME) -> dict[str, str]:
    """`{"Authorization": "<scheme> <credential>"}`, or no header without a credential."""
    return {"Authorization": f"{scheme} {credential}"} if credential else {}

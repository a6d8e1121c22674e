"""Calls between our own processes: authenticated with the internal key (INTERNAL_API_KEY)."""

from __future__ import annotations

import hmac

from flask import request

INTERNAL_KEY_HEADER = "X-Internal-Key"


def is_internal_call(expected: str) -> bool:
    """Whether the current request carries the internal key `expected` (never true if unset)."""
    given = request.headers.get(INTERNAL_KEY_HEADER)
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())

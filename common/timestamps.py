"""ISO 8601 times as the metadata API writes them (`2018-11-21T15:46:22Z`)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime


def parse_iso(value: object) -> datetime | None:
    """An ISO 8601 time (`...Z` or with an offset) as an aware UTC datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

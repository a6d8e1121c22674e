"""`latest_release_date` (alias `updated`): the date of the newest upload, in UTC."""

from __future__ import annotations

from services.badges.model import Badge
from services.badges.model import Facts

LABEL = "last updated"
MAX_AGE = 300


def render(facts: Facts) -> Badge:
    """`YYYY-MM-DD` (UTC) in blue; grey `unknown` where the upstream has no timestamps."""
    if facts.updated_at is None:
        return Badge(LABEL, "unknown", "lightgrey")
    return Badge(LABEL, facts.updated_at.strftime("%Y-%m-%d"), "blue")

"""`license`: the SPDX id or expression when the license normalizes, else the published text."""

from __future__ import annotations

from services.badges.model import Badge
from services.badges.model import Facts

LABEL = "license"
MAX_AGE = 3600
MAX_LENGTH = 60


def render(facts: Facts) -> Badge:
    """Blue with the license; grey `unknown` when the package publishes none."""
    text = facts.license_spdx or " ".join((facts.license or "").split())
    if not text or text == "None":
        return Badge(LABEL, "unknown", "lightgrey")
    if len(text) > MAX_LENGTH:
        text = text[: MAX_LENGTH - 1].rstrip() + "\u2026"
    return Badge(LABEL, text, "blue")

"""`cves`: the latest version's open CVEs counted by severity, coloured by the highest score.

Open means `active` or `reported` (Anaconda's first tier); CVEs a channel's curation cleared,
mitigated, or that are disputed, are not counted. A package no vulnerability source covers
says `not tracked` in grey: never a green "none" it has not earned.
"""

from __future__ import annotations

from services.badges.model import Badge
from services.badges.model import Facts

LABEL = "CVEs"
MAX_AGE = 900
# severity words as they appear on the badge (the highest first)
WORDS = {
    "critical": "critical",
    "high": "high",
    "medium": "medium",
    "low": "low",
    "none": "none",
    "unknown": "unscored",
}


def color_for(score: float | None) -> str:
    """The colour of the highest open CVSS score (orange when no open CVE has a score)."""
    if score is None:
        return "orange"
    if score >= 9.0:
        return "red"
    if score >= 7.0:
        return "orange"
    if score >= 4.0:
        return "yellow"
    if score > 0.0:
        return "yellowgreen"
    return "green"


def render(facts: Facts) -> Badge:
    """`2 critical, 1 high` in red; `none` in green; `not tracked` in grey when not covered."""
    if facts.cve_covered is not True:
        return Badge(LABEL, "not tracked", "lightgrey")
    counts = dict(facts.cve_severities)
    if not counts:
        return Badge(LABEL, "none open" if facts.cve_count else "none", "brightgreen")
    message = ", ".join(f"{counts[level]} {WORDS[level]}" for level in WORDS if level in counts)
    return Badge(LABEL, message, color_for(facts.cve_score))

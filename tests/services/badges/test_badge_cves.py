"""The `cves` badge kind: open CVEs by severity, coloured by the highest score; not tracked."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from services.badges.kinds import cves
from services.badges.model import facts_from_artifact

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def render(**fields):
    return cves.render(facts_from_artifact({"name": "zlib", **fields}, "main", NOW))


def test_not_covered_is_not_tracked_in_grey_never_zero():
    assert render(cve_covered=False, cve_count=None).message == "not tracked"
    assert render(cve_covered=False).color == "lightgrey"
    assert render().message == "not tracked"  # an upstream without CVE data at all


def test_counts_by_severity_highest_first_coloured_by_the_highest_score():
    badge = render(
        cve_covered=True, cve_count=3, cve_score=9.8, cve_severities={"high": 1, "critical": 2}
    )
    assert (badge.label, badge.message, badge.color) == ("CVEs", "2 critical, 1 high", "red")


@pytest.mark.parametrize(
    ("score", "color"),
    [
        (9.0, "red"),
        (8.9, "orange"),
        (7.0, "orange"),
        (6.9, "yellow"),
        (4.0, "yellow"),
        (3.9, "yellowgreen"),
        (None, "orange"),
    ],
)
def test_colour_bands(score, color):
    assert cves.color_for(score) == color


def test_none_open_is_green():
    assert render(cve_covered=True, cve_count=0, cve_severities={}).message == "none"
    curated = render(cve_covered=True, cve_count=2, cve_score=9.8, cve_severities={})
    assert (curated.message, curated.color) == ("none open", "brightgreen")


def test_unscored_advisories_count_as_unscored():
    badge = render(cve_covered=True, cve_count=2, cve_score=None, cve_severities={"unknown": 2})
    assert (badge.message, badge.color) == ("2 unscored", "orange")

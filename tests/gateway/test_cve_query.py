"""The `/cves` filters: parsing (400 for bad values) and applying them."""

from __future__ import annotations

import pytest

from common.errors import InvalidParameter
from gateway.cve_query import apply
from gateway.cve_query import parse_query

ITEMS = [
    {
        "id": "CVE-2022-37434",
        "aliases": [],
        "score": 9.8,
        "status_counts": {"reported": 2},
        "curated_at": None,
        "modified_at": "2025-05-02T17:15:46Z",
        "published_at": "2022-08-05T00:00:00Z",
        "files": [{"filename": "a.conda", "version": "1.2.11"}],
    },
    {
        "id": "CVE-2023-30861",
        "aliases": ["GHSA-m2qf-hxjv-5gpq", "PYSEC-2023-62"],
        "score": 7.5,
        "status_counts": {"cleared": 1, "reported": 1},
        "curated_at": "2026-01-15T00:00:00Z",
        "modified_at": "2023-05-10T03:55:54Z",
        "published_at": "2023-05-01T19:22:20Z",
        "files": [{"filename": "b.conda", "version": "2.2.4"}],
    },
    {
        "id": "RSEC-2023-3",
        "aliases": [],
        "score": None,
        "status_counts": {"active": 1},
        "curated_at": None,
        "modified_at": "2023-07-13T00:00:00Z",
        "published_at": "2023-07-13T00:00:00Z",
        "files": [{"filename": "c.tar.bz2", "version": "1.5"}],
    },
]


def ids(**args) -> list[str]:
    return [i["id"] for i in apply(ITEMS, parse_query(args))]


def test_no_filter_keeps_everything():
    assert ids() == ["CVE-2022-37434", "CVE-2023-30861", "RSEC-2023-3"]


def test_scores_are_inclusive_and_unscored_cves_match_no_score_filter():
    assert ids(score_gte="9.8") == ["CVE-2022-37434"]
    assert ids(score_lte="7.5") == ["CVE-2023-30861"]
    assert ids(score_gte="7", score_lte="9") == ["CVE-2023-30861"]


def test_name_matches_the_id_or_an_alias_case_insensitively():
    assert ids(name="ghsa-m2qf") == ["CVE-2023-30861"]
    assert ids(name="2022-37434") == ["CVE-2022-37434"]


def test_status_keeps_cves_with_a_file_in_that_status():
    assert ids(status="cleared") == ["CVE-2023-30861"]
    assert ids(status="active,cleared") == ["CVE-2023-30861", "RSEC-2023-3"]


def test_date_ranges_after_inclusive_before_exclusive():
    assert ids(published_after="2023-01-01") == ["CVE-2023-30861", "RSEC-2023-3"]
    assert ids(published_before="2022-08-05T00:00:01Z") == ["CVE-2022-37434"]
    assert ids(curated_after="2026-01-01") == ["CVE-2023-30861"]  # never curated: no date
    assert ids(modified_after="2024-01-01", modified_before="2026-01-01") == ["CVE-2022-37434"]


def test_version_and_filename():
    assert ids(version="2.2.4") == ["CVE-2023-30861"]
    assert ids(filename="c.tar.bz2") == ["RSEC-2023-3"]


@pytest.mark.parametrize(
    "args",
    [
        {"score_gte": "high"},
        {"score_gte": "11"},
        {"score_lte": "-1"},
        {"score_lte": "nan"},
        {"score_gte": "8", "score_lte": "2"},
        {"status": "fixed"},
        {"status": "reported,bogus"},
        {"published_after": "last tuesday"},
        {"modified_before": "2024-13-01"},
        {"curated_after": "2025-01-02", "curated_before": "2025-01-01"},
        {"name": "x" * 101},
        {"name": "CVE\x00"},
    ],
)
def test_bad_values_are_invalid_parameters(args):
    with pytest.raises(InvalidParameter):
        parse_query(args)

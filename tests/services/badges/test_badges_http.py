"""Cache-Control, ETag and If-None-Match rules (pure)."""

from __future__ import annotations

import pytest

from services.badges.http import cache_control
from services.badges.http import etag_for
from services.badges.http import etag_matches
from services.badges.http import max_age


@pytest.mark.parametrize(
    ("default", "requested", "expected"),
    [(300, None, 300), (300, 60, 300), (300, 0, 300), (300, 3600, 3600)],
)
def test_cache_seconds_only_lengthens(default, requested, expected):
    assert max_age(default, requested) == expected


def test_cache_control():
    assert cache_control(300, private=False) == "max-age=300, s-maxage=300"
    assert cache_control(300, private=True) == "private, no-store"
    assert cache_control(0, private=False) == "no-cache, no-store, must-revalidate"


def test_etag_is_strong_and_content_bound():
    etag = etag_for(b"<svg/>")
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert etag == etag_for(b"<svg/>")
    assert etag != etag_for(b"<svg />")


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
    ],
)
def test_if_none_match(header, matches):
    assert etag_matches(header, '"abc"') is matches

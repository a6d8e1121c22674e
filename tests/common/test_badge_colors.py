"""Colour names, hex parsing and the shared floor scale."""

from __future__ import annotations

import pytest

from common.badge_colors import NAMED_COLORS
from common.badge_colors import brightness
from common.badge_colors import floor_color
from common.badge_colors import parse_color
from common.badge_colors import to_svg_color
from common.errors import InvalidParameter

SHIELDS_NAMES = [
    "brightgreen",
    "green",
    "yellowgreen",
    "yellow",
    "orange",
    "red",
    "blue",
    "lightgrey",
    "grey",
    "success",
    "important",
    "critical",
    "informational",
    "inactive",
]


@pytest.mark.parametrize("name", SHIELDS_NAMES)
def test_every_shields_name_is_known(name):
    assert parse_color(name, "color") == name
    assert to_svg_color(name).startswith("#")


@pytest.mark.parametrize(
    ("alias", "same_as"),
    [
        ("success", "brightgreen"),
        ("important", "orange"),
        ("critical", "red"),
        ("informational", "blue"),
        ("inactive", "lightgrey"),
        ("gray", "grey"),
    ],
)
def test_semantic_aliases(alias, same_as):
    assert NAMED_COLORS[alias] == NAMED_COLORS[same_as]


@pytest.mark.parametrize(("value", "expected"), [("abc", "#abc"), ("#A1B2C3", "#a1b2c3")])
def test_hex(value, expected):
    assert parse_color(value, "color") == expected
    assert to_svg_color(expected) == expected


@pytest.mark.parametrize("value", ["", "abcd", "#ggg", "purple-ish", "123456789", "#"])
def test_rejects(value):
    with pytest.raises(InvalidParameter):
        parse_color(value, "color")


@pytest.mark.parametrize(
    ("value", "expected"), [(0, "a"), (9, "a"), (10, "b"), (99, "b"), (100, "c")]
)
def test_floor_color(value, expected):
    assert floor_color(value, (10, 100), ("a", "b", "c")) == expected


@pytest.mark.parametrize(
    ("color", "expected"),
    [("#fff", 1.0), ("#000", 0.0), ("#ff0", 0.89), ("#dfb317", 0.68), ("#eee", 0.93)],
)
def test_brightness_as_shields_rounds_it(color, expected):
    assert brightness(color) == expected

"""Query option parsing: shields' names and aliases, and refusal of every bad value."""

from __future__ import annotations

import base64

import pytest

from common.errors import InvalidParameter
from services.badges.params import BadgeOptions
from services.badges.params import parse_options

PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n tiny").decode()


def parse(**query: str | list[str]) -> BadgeOptions:
    return parse_options({k: v if isinstance(v, list) else [v] for k, v in query.items()})


def test_defaults():
    assert parse() == BadgeOptions()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"label": "conda-forge"}, BadgeOptions(label="conda-forge")),
        ({"label": ""}, BadgeOptions(label="")),
        ({"color": "brightgreen"}, BadgeOptions(color="brightgreen")),
        ({"color": "Critical"}, BadgeOptions(color="critical")),
        ({"color": "ff0000"}, BadgeOptions(color="#ff0000")),
        ({"color": "#ABC"}, BadgeOptions(color="#abc")),
        ({"labelColor": "informational"}, BadgeOptions(label_color="informational")),
        ({"colorA": "red", "colorB": "blue"}, BadgeOptions(color="blue", label_color="red")),
        (
            {"left_color": "red", "right_color": "blue", "left_text": "x"},
            BadgeOptions(label="x", color="blue", label_color="red"),
        ),
        ({"link": "https://example.org/pkg"}, BadgeOptions(links=("https://example.org/pkg",))),
        (
            {"link": ["http://a.example/", "https://b.example/x?y=1"]},
            BadgeOptions(links=("http://a.example/", "https://b.example/x?y=1")),
        ),
        ({"logo": PNG}, BadgeOptions(logo=PNG)),
        ({"cacheSeconds": "3600"}, BadgeOptions(cache_seconds=3600)),
        ({"maxAge": "600"}, BadgeOptions(cache_seconds=600)),
        ({"cacheSeconds": "99999999"}, BadgeOptions(cache_seconds=86400)),
        ({"style": "flat-square"}, BadgeOptions(style="flat-square")),
        ({"style": "plastic"}, BadgeOptions(style="plastic")),
        ({"style": "for-the-badge"}, BadgeOptions(style="for-the-badge")),
        ({"style": "social"}, BadgeOptions(style="social")),
        ({"style": "flat"}, BadgeOptions(style="flat")),
        ({"token": "abc", "unknown": "x"}, BadgeOptions()),
    ],
)
def test_valid_options(query, expected):
    assert parse(**query) == expected


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"color": "notacolour"}, "color"),
        ({"color": "#12345"}, "color"),
        ({"color": "rgb(1,2,3)"}, "color"),
        ({"labelColor": "url(#x)"}, "labelColor"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "JavaScript:alert(1)"}, "link"),
        ({"link": "data:text/html,<script>"}, "link"),
        ({"link": "//evil.example/"}, "link"),
        ({"link": "/relative"}, "link"),
        ({"link": "https://ex ample.org/"}, "link"),
        ({"link": "ftp://example.org/"}, "link"),
        ({"link": ["https://a/", "https://b/", "https://c/"]}, "link"),
        ({"logo": "https://example.org/logo.png"}, "logo"),
        ({"logo": "/etc/passwd"}, "logo"),
        ({"logo": "conda-forge"}, "logo"),
        ({"logo": "data:text/html;base64,PHNjcmlwdD4="}, "logo"),
        ({"logo": "data:image/png;base64,####"}, "logo"),
        ({"logo": "data:image/png;base64,abc"}, "logo"),
        ({"logo": "data:image/png;base64," + "A" * 20000}, "logo"),
        ({"cacheSeconds": "-5"}, "cacheSeconds"),
        ({"cacheSeconds": "ten"}, "cacheSeconds"),
        ({"cacheSeconds": "1.5"}, "cacheSeconds"),
        ({"style": "popout"}, "style"),  # a style shields removed
        ({"style": "Flat"}, "style"),
        ({"style": "<script>"}, "style"),
        ({"label": "x" * 101}, "label"),
        ({"label": "bad\x00label"}, "label"),
        ({"label": ["a", "b"]}, "label"),
        ({"colorB": "red", "color": "blue"}, "color"),
    ],
)
def test_invalid_options(query, parameter):
    with pytest.raises(InvalidParameter) as raised:
        parse(**query)
    assert raised.value.details["parameter"] == parameter

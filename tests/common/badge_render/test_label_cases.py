"""Issue 20, item 11: label edge cases drawn as badge-maker 6.0.0 draws them (its SVGs recorded
in badge_maker_label_cases.json, see PROVENANCE.md): an empty label with a label colour is a
10 px stub in that colour; the social style leaves a label starting with an astral-plane
letter as it is (JavaScript upper-cases the first UTF-16 unit only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from common.badge_render import render

RECORDED = json.loads((Path(__file__).parent / "badge_maker_label_cases.json").read_text())
_ATTR = re.compile(r'\b(x|width|fill|textLength)="([^"]*)"')


def _attrs(tag: str) -> dict[str, str]:
    found = dict(_ATTR.findall(tag))
    if found.get("x") == "0":
        del found["x"]  # the default
    if found.get("fill", "").startswith("url("):
        found["fill"] = "url"  # gradient ids are ours (prefixed per badge)
    return found


def geometry(svg: str) -> dict:
    """What is drawn where: the badge's width, its plain boxes, and each text's place."""
    width = re.search(r'<svg [^>]*?\bwidth="([\d.]+)"', svg).group(1)
    boxes = [
        _attrs(tag)
        for tag in re.findall(r"<rect\b([^>]*)/>", svg)
        if "rx=" not in tag and "stroke=" not in tag
    ]
    texts = {  # a set: badge-maker draws each shadow twice (blurred, plain), we once
        (_attrs(tag).get("x"), _attrs(tag).get("textLength"), content)
        for tag, content in re.findall(r"<text\b([^>]*)>([^<]*)</text>", svg)
    }
    return {"width": width, "boxes": boxes, "texts": texts}


def _ours(case: dict) -> str:
    fmt = case["format"]
    return render(
        fmt["label"], fmt["message"], fmt["color"], fmt.get("labelColor"), style=fmt["style"]
    )


@pytest.mark.parametrize("case", RECORDED["cases"], ids=lambda c: repr(c["format"])[:80])
def test_label_edge_cases_are_drawn_as_badge_maker_draws_them(case):
    assert geometry(_ours(case)) == geometry(case["svg"])


def test_the_recording_has_the_cases_the_issue_names():
    formats = [c["format"] for c in RECORDED["cases"]]
    assert RECORDED["badge-maker"] == "6.0.0"
    assert {
        "label": "",
        "message": "1.2.3",
        "color": "#007ec6",
        "labelColor": "#e05d44",
        "style": "flat",
    } in formats
    assert any(f["style"] == "social" and ord(f["label"][0]) > 0xFFFF for f in formats)
    stub = geometry(RECORDED["cases"][0]["svg"])["boxes"][0]
    assert stub == {"width": "10", "fill": "#e05d44"}

"""Text widths in pixels from precomputed per-character tables (the ones shields measures with).

The tables in `data/` are anafanafo 2.0.0's, copied unchanged (see `data/PROVENANCE.md`): for each
range of code points, the advance width in px of Verdana 11px, Verdana 10px, Verdana bold 10px or
Helvetica bold 11px. A width is the plain left-to-right sum of the characters' widths, control
characters count 0 and characters missing from a table count as wide as "m", as anafanafo does.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")

VERDANA_11 = "verdana-11px-normal"  # flat, flat-square, plastic
VERDANA_10 = "verdana-10px-normal"  # for-the-badge label
VERDANA_10_BOLD = "verdana-10px-bold"  # for-the-badge message
HELVETICA_11_BOLD = "helvetica-11px-bold"  # social
FONTS = (VERDANA_11, VERDANA_10, VERDANA_10_BOLD, HELVETICA_11_BOLD)

_DIRECT = 0x3000  # code points below this are looked up in a flat tuple; the rest by bisection


class WidthTable:
    """One font's character widths: `[[first, last, width], ...]` ranges, sorted."""

    def __init__(self, ranges: list[list[float]]):
        self._firsts = [int(first) for first, _, _ in ranges]
        self._ranges = [(int(first), int(last), float(width)) for first, last, width in ranges]
        self._direct = tuple(self._lookup(code) for code in range(_DIRECT))
        m_width = self._direct[ord("m")]
        assert m_width is not None, "a width table without 'm'"
        self.em = m_width

    def _lookup(self, code: int) -> float | None:
        if code <= 31 or code == 127:  # control characters take no room
            return 0.0
        index = bisect_right(self._firsts, code) - 1
        if index < 0:
            return None
        first, last, width = self._ranges[index]
        return width if first <= code <= last else None

    def width(self, text: str) -> float:
        """The width of `text` in px (unknown characters count as an "m")."""
        total = 0.0
        direct, em = self._direct, self.em
        for char in text:  # an explicit loop: sum() of floats rounds differently since 3.12
            code = ord(char)
            width = direct[code] if code < _DIRECT else self._lookup(code)
            total += em if width is None else width
        return total


@cache
def table(font: str) -> WidthTable:
    """The width table of `font` (one of FONTS), loaded once per process."""
    if font not in FONTS:
        raise ValueError(f"no width table for {font!r}; known: {', '.join(FONTS)}")
    return WidthTable(json.loads((DATA / f"{font}.json").read_text(encoding="ascii")))


def text_width(text: str, font: str = VERDANA_11) -> float:
    """The width of `text` in px in `font`, unrounded."""
    return table(font).width(text)


def preferred_width(text: str, font: str = VERDANA_11) -> int:
    """The whole-pixel width shields lays text out with: truncated, then rounded up to odd."""
    width = int(table(font).width(text))
    return width + 1 if width % 2 == 0 else width

"""The width tables: lookups, fallbacks and shields' whole-pixel rounding."""

from __future__ import annotations

import hashlib

import pytest

from common.badge_render import widths

# from data/PROVENANCE.md: the tables must be anafanafo 2.0.0's, byte for byte
SHA256 = {
    "verdana-11px-normal": "77879518d11e026caa62b47ffb59709de9c225c5b0fc85ac8188d19958be8f86",
    "verdana-10px-normal": "07ad6e0c9fc54a33f9b2f3949180d9b82d2732d6e2aea8f0160b9e3167629845",
    "verdana-10px-bold": "e2584f8c8647a95f03b5be607fd87ac5e751c6ea268cef3b1aecfcb635802d3d",
    "helvetica-11px-bold": "f4f0346ef33dd26b1987ac3ba7c53b1317bdc7b9727dc5429d8898dfeb310db6",
}


@pytest.mark.parametrize("font", widths.FONTS)
def test_tables_are_the_ones_provenance_names(font):
    data = (widths.DATA / f"{font}.json").read_bytes()
    assert hashlib.sha256(data).hexdigest() == SHA256[font]
    assert (widths.DATA / "LICENSE-anafanafo").read_text().startswith("MIT License")


def test_known_widths_add_up_in_order():
    assert widths.text_width("0") == 6.99
    assert widths.text_width("00") == 6.99 + 6.99
    assert widths.text_width("m", widths.VERDANA_11) == widths.table(widths.VERDANA_11).em
    assert widths.text_width("") == 0


def test_control_characters_take_no_room_and_unknown_ones_an_m():
    em = widths.table(widths.VERDANA_11).em
    assert widths.text_width("a\x00\x1f\x7fb") == widths.text_width("ab")
    assert widths.text_width("\U000f0000") == em  # a private-use code point no table has
    assert widths.text_width("日") > 0  # CJK is in the table (above the direct range)


def test_preferred_width_is_truncated_then_odd():
    assert widths.text_width("1.2.11") == pytest.approx(35.96, abs=0.001)
    assert widths.preferred_width("1.2.11") == 35  # 35.96 -> 35, odd already
    assert widths.preferred_width("000") == 21  # 20.97 -> 20 -> 21
    assert widths.preferred_width("00") == 13  # 13.98 -> 13
    assert widths.preferred_width("0000") == 27  # 27.96 -> 27
    assert widths.preferred_width("") == 1  # as shields: 0 rounds up to 1


def test_fonts_differ_and_unknown_fonts_are_refused():
    text = "downloads"
    values = {font: widths.text_width(text, font) for font in widths.FONTS}
    assert len(set(values.values())) == len(widths.FONTS)
    with pytest.raises(ValueError, match="no width table"):
        widths.table("comic-sans")

"""Copyright statements from REUSE's detector, on the real zlib license text: verbatim, once."""

from __future__ import annotations

from contents.copyrights import detect
from tests.contents.conftest import ZLIB_CONDA
from tests.contents.conftest import members


def test_the_zlib_license_text_gives_its_one_statement_verbatim():
    text = members(ZLIB_CONDA)["info/LICENSE.txt"].data.decode()
    found = detect(text)
    assert found == [line.strip() for line in text.splitlines() if "Copyright (C)" in line]
    assert all(statement in text for statement in found)


def test_a_statement_appears_once():
    text = members(ZLIB_CONDA)["info/LICENSE.txt"].data.decode()
    assert detect(text + "\n" + text) == detect(text)


def test_a_text_without_a_notice_gives_none():
    # the permission paragraph of the real zlib text: it speaks of copyright, states none
    text = members(ZLIB_CONDA)["info/LICENSE.txt"].data.decode()
    permission = text[text.index("This software is provided") :]
    assert detect(permission) == []

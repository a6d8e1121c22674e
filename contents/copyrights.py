"""Copyright statements in a shipped license or notice text, found by REUSE's detector.

REUSE (the FSFE's tool, `reuse.extract.extract_reuse_info`) finds copyright notices
(`Copyright ...`, `(C)`, `©`, `SPDX-FileCopyrightText:`) line by line. Each statement is
returned verbatim (the line as the text has it, trimmed), in the order of the text, so that
nothing is rephrased or invented. ScanCode's `cluecode.copyrights` was the first choice, but
scancode-toolkit-mini 32.5 pins spdx-tools 0.8.2 (this project needs 0.8.5) and installs
730 MB; see docs/sbom-minimums.md.
"""

from __future__ import annotations

from reuse.extract import extract_reuse_info


def detect(text: str) -> list[str]:
    """The copyright statements of `text`, verbatim and in order, each once."""
    notices = extract_reuse_info(text).copyright_notices
    found = {(notice.original or str(notice)).strip() for notice in notices}
    return sorted((s for s in found if s), key=lambda s: (text.find(s), s))

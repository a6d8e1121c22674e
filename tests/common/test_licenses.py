"""License normalization, on strings published by real packages."""

import json

import pytest

from common.licenses import normalize_spdx
from tests.conftest import CHANNELS


@pytest.mark.parametrize(
    ("published", "spdx"),
    [
        ("zlib", "Zlib"),
        ("MIT", "MIT"),
        ("MIT + file LICENSE", "MIT"),
        ("GPL (>= 2)", "GPL-2.0-or-later"),
        ("GPL-2", "GPL-2.0-only"),
        ("GPL-2 | GPL-3", "GPL-2.0-only OR GPL-3.0-only"),
        ("LGPL (>= 2.1)", "LGPL-2.1-or-later"),
        ("Apache License (== 2.0)", "Apache-2.0"),
        ("BSD_3_clause + file LICENSE", "BSD-3-Clause"),
        ("CC0", "CC0-1.0"),
        ("Modified BSD License (3-clause)", "BSD-3-Clause"),
        ("MIT OR Apache-2.0", "MIT OR Apache-2.0"),
        # too vague to name one SPDX license: keep the published text instead
        ("GPL", None),
        ("BSD", None),
        ("GPL-3 | file LICENSE", None),
        ("Proprietary", None),
        ("None", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_spdx(published, spdx):
    assert normalize_spdx(published) == spdx


def test_most_of_the_r_channel_normalizes():
    """On the real 4k-record r snapshot, the common R license spellings all normalize."""
    repodata = json.loads((CHANNELS / "private/linux-64/repodata.json").read_text())
    licenses = [r.get("license") for r in repodata["packages"].values()]
    normalized = [normalize_spdx(text) for text in licenses if text]
    share = sum(1 for item in normalized if item) / len(normalized)
    assert share > 0.8, share

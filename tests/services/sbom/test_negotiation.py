"""Choosing the SBOM format from the URL suffix, `?format=` and Accept."""

import pytest

from common import sbom_negotiation as n
from common.errors import InvalidParameter
from common.errors import NotAcceptable


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, n.CDX_16),
        ("", n.CDX_16),
        ("*/*", n.CDX_16),
        ("application/json", n.CDX_16),
        ("application/vnd.cyclonedx+json", n.CDX_16),
        ("application/vnd.cyclonedx+json; version=1.6", n.CDX_16),
        ("application/vnd.cyclonedx+json; version=1.5", n.CDX_15),
        ('application/vnd.cyclonedx+json;version="1.5"', n.CDX_15),
        ("application/spdx+json", n.SPDX_23),
        ("application/spdx+json;q=0.9, application/vnd.cyclonedx+json;q=0.5", n.SPDX_23),
        ("application/spdx+json;q=0.4, application/vnd.cyclonedx+json;version=1.5", n.CDX_15),
        ("text/html, application/spdx+json", n.SPDX_23),
        ("application/spdx+json, application/vnd.cyclonedx+json", n.SPDX_23),
        ("application/spdx+json; version=3.0.1", n.SPDX_301),
        ("application/spdx+json; version=2.3, application/spdx+json; version=3.0.1", n.SPDX_23),
    ],
)
def test_accept(accept, expected):
    assert n.choose(None, None, accept) is expected


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "application/vnd.cyclonedx+json; version=1.4",
        "application/spdx+json;q=0",
        "application/xml",
    ],
)
def test_unacceptable_lists_what_is_offered(accept):
    with pytest.raises(NotAcceptable) as caught:
        n.choose(None, None, accept)
    assert caught.value.status == 406
    assert caught.value.details["offered"] == [
        "application/vnd.cyclonedx+json; version=1.6",
        "application/vnd.cyclonedx+json; version=1.5",
        "application/spdx+json",
        "application/spdx+json; version=3.0.1",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cyclonedx", n.CDX_16),
        ("cyclonedx-1.5", n.CDX_15),
        ("SPDX", n.SPDX_23),
        ("cyclonedx-1.6", n.CDX_16),
    ],
)
def test_format_parameter_wins_over_accept(value, expected):
    assert n.choose(None, value, "application/spdx+json;q=1") is expected


def test_bad_format_parameter_is_400_with_the_list():
    with pytest.raises(InvalidParameter) as caught:
        n.choose(None, "xml", None)
    assert caught.value.status == 400
    assert "cyclonedx-1.5" in caught.value.details["offered"]


def test_suffix_fixes_the_family():
    assert n.choose("spdx", None, "application/vnd.cyclonedx+json") is n.SPDX_23
    assert n.choose("cyclonedx", None, "application/spdx+json") is n.CDX_16
    assert n.choose("cyclonedx", None, "application/vnd.cyclonedx+json; version=1.5") is n.CDX_15
    assert n.choose("cyclonedx", "cyclonedx-1.5", None) is n.CDX_15
    with pytest.raises(InvalidParameter):
        n.choose("cyclonedx", "spdx", None)


def test_the_spdx3_suffix_fixes_spdx_3():
    assert n.family_of("/main/linux-64/x-1-0.conda.spdx3.json") == "spdx3"
    assert n.family_of("/main/linux-64/x-1-0.conda.spdx.json") == "spdx"
    assert n.choose("spdx3", None, "application/vnd.cyclonedx+json") is n.SPDX_301
    assert n.variant("/main/linux-64/x-1-0.conda.spdx3.json", None, None) == "spdx3"

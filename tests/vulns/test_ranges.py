"""Version orderings and range evaluation, per source, including the AND-node policy."""

from __future__ import annotations

import pytest

from tests.vulns import records
from vulns import ranges
from vulns.model import SCHEME_CRAN
from vulns.model import SCHEME_PYPI
from vulns.ranges import compare_upstream
from vulns.ranges import cpe_affects
from vulns.sources.nvd import configuration_rules
from vulns.sources.nvd import parse_nvd_cve


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ("0.1-3", "0.1-9"),
        ("1.0", "1.0.1"),
        ("0.9.12", "1.8.8"),
        ("1.9", "1.10"),
        ("2.16.1", "3.0.0"),
    ],
)
def test_cran_ordering_is_rs_package_version(low, high):
    assert ranges.cran_version(low) < ranges.cran_version(high)


def test_cran_reads_conda_underscores_as_dashes():
    assert ranges.cran_version("0.1_7") == ranges.cran_version("0.1-7") == (0, 1, 7)
    assert ranges.cran_version("1.0.0a") is None  # not an R version: no claim


def test_osv_fixed_last_affected_and_versions_lists():
    fixed = {"ranges": [[{"introduced": "0"}, {"fixed": "2.2.5"}]], "versions": []}
    assert ranges.osv_affects("2.2.4", fixed, SCHEME_PYPI)
    assert not ranges.osv_affects("2.2.5", fixed, SCHEME_PYPI)
    last = {"ranges": [[{"introduced": "0"}, {"last_affected": "1.11.0"}]], "versions": []}
    assert ranges.osv_affects("1.11.0", last, SCHEME_PYPI)
    assert not ranges.osv_affects("1.11.1", last, SCHEME_PYPI)
    listed = {"ranges": [], "versions": ["0.1-3", "0.1-4"]}
    assert ranges.osv_affects("0.1_4", listed, SCHEME_CRAN)  # conda's spelling of 0.1-4
    assert not ranges.osv_affects("0.1_5", listed, SCHEME_CRAN)
    limited = {"ranges": [[{"introduced": "1.0"}, {"limit": "1.5"}]], "versions": []}
    assert ranges.osv_affects("1.4", limited, SCHEME_PYPI)
    assert not ranges.osv_affects("1.6", limited, SCHEME_PYPI)


def test_osv_pypi_uses_pep440_ordering():
    spec = {"ranges": [[{"introduced": "2.3.0"}, {"fixed": "2.3.2"}]], "versions": []}
    assert ranges.osv_affects("2.3.0rc1", spec, SCHEME_PYPI) is False  # rc sorts before 2.3.0
    assert ranges.osv_affects("2.3.1", spec, SCHEME_PYPI)


@pytest.mark.parametrize(
    ("bounds", "inside", "outside"),
    [
        (
            {"start": "1.2.2.2", "start_incl": True, "end": "1.2.12", "end_incl": False},
            "1.2.11",
            "1.2.12",
        ),
        (
            {"start": "1.2.2.2", "start_incl": True, "end": "1.2.12", "end_incl": False},
            "1.2.2.2",
            "1.2.2.1",
        ),
        ({"start": "1.0", "start_incl": False, "end": "1.3", "end_incl": True}, "1.3", "1.0"),
        ({"exact": "1.2.8"}, "1.2.8", "1.2.11"),
    ],
)
def test_nvd_bounds_in_conda_ordering(bounds, inside, outside):
    spec = {"exact": None, "start": None, "end": None, "platforms": [], **bounds}
    assert ranges.cpe_affects(inside, "linux-64", spec)
    assert not ranges.cpe_affects(outside, "linux-64", spec)


def test_and_nodes_that_add_a_platform_hold_only_on_that_platform():
    """CVE-2018-25032 lists python 3.7-3.10 AND o:microsoft:windows (vulnerable: false)."""
    record = records.nvd("CVE-2018-25032")
    anded = [c for c in record["configurations"] if c.get("operator") == "AND"]
    python_config = next(
        c for c in anded if "python:python" in c["nodes"][0]["cpeMatch"][0]["criteria"]
    )
    platform_node = python_config["nodes"][1]["cpeMatch"]
    assert [m["vulnerable"] for m in platform_node] == [False]
    assert ":o:microsoft:windows:" in platform_node[0]["criteria"]
    python_rules = [
        r
        for r in configuration_rules(record["configurations"])
        if r.identity == "cpe:python:python"
    ]
    assert python_rules and all(r.spec["platforms"] == [["windows"]] for r in python_rules)
    first = python_config["nodes"][0]["cpeMatch"][0]
    version = first["versionStartIncluding"]  # e.g. 3.7.0, inside the record's own range
    assert any(ranges.cpe_affects(version, "win-64", r.spec) for r in python_rules)
    assert not any(ranges.cpe_affects(version, "linux-64", r.spec) for r in python_rules)
    assert not any(ranges.cpe_affects(version, "osx-arm64", r.spec) for r in python_rules)
    assert any(ranges.cpe_affects(version, "noarch", r.spec) for r in python_rules)  # runs anywhere
    zlib_rules = [
        r for r in configuration_rules(record["configurations"]) if r.identity == "cpe:zlib:zlib"
    ]
    assert zlib_rules and all(r.spec["platforms"] == [] for r in zlib_rules)  # not AND-ed


def test_and_nodes_with_hardware_or_other_products_are_taken_to_hold():
    """NetApp firmware AND hardware (CVE-2022-37434): the hardware cannot be judged: it holds."""
    record = records.nvd("CVE-2022-37434")
    rules = configuration_rules(record["configurations"])
    firmware = [r for r in rules if r.identity == "cpe:netapp:h300s_firmware"]
    assert firmware and firmware[0].spec["platforms"] == []


def test_cve5_ranges_and_default_status():
    (affected,) = records.cve5("CVE-2024-27322")["containers"]["cna"]["affected"]
    spec = {"versions": affected["versions"], "default": affected["defaultStatus"]}
    assert ranges.cve5_affects("3.4.3", spec)
    assert ranges.cve5_affects(affected["versions"][0]["version"], spec)  # lower bound included
    assert not ranges.cve5_affects(affected["versions"][0]["lessThan"], spec)  # upper excluded
    assert not ranges.cve5_affects("1.3.9", spec)
    everything = {"versions": [{"version": "2.0", "status": "unaffected"}], "default": "affected"}
    assert ranges.cve5_affects("1.0", everything) and not ranges.cve5_affects("2.0", everything)


def test_nvd_records_without_configurations_fall_back_only_then():
    r_cve = parse_nvd_cve(records.nvd("CVE-2024-27322"))
    assert r_cve.rules == [] and not r_cve.configured
    zlib = parse_nvd_cve(records.nvd("CVE-2018-25032"))
    assert zlib.configured and zlib.rules


@pytest.mark.parametrize(
    "left, right, order",
    [
        ("1.1.1l", "1.1.1", 1),  # OpenSSL's letter releases come after the bare number
        ("1.1.1u", "1.1.1t", 1),
        ("1.0.2zh", "1.0.2z", 1),
        ("1.0.2zh", "1.1.1", -1),
        ("1.2.11", "1.2.11.0", 0),
        ("1!2.0", "2.0", 0),  # a conda epoch is not part of the upstream version
        ("v1.2.3", "1.2.3", 0),  # nor is a `v` prefix
        ("3.0.0rc1", "3.0.0", -1),  # anything else: conda's ordering
    ],
)
def test_upstream_versions_compare_as_upstream_writes_them(left, right, order):
    assert compare_upstream(left, right) == order
    assert compare_upstream(right, left) == -order


def test_a_cpe_range_reads_conda_epochs_and_v_prefixes_as_upstream_versions():
    spec = {"start": "1.1.1", "start_incl": True, "end": "1.1.1u", "end_incl": False}
    assert cpe_affects("1!1.1.1l", "linux-64", spec)
    assert cpe_affects("v1.1.1t", "linux-64", spec)
    assert not cpe_affects("1!1.1.1u", "linux-64", spec)

"""The CPE bridge: its evidence, its coverage of conda-forge's pinning list, and matching natives.

Expected CVE sets are derived from the real NVD records by tests/vulns/natives_data.py; versions
come from real conda-forge lockfiles (data/natives/lockfiles).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import VULN_RECORDS
from tests.vulns import natives_data as data
from vulns import ChannelSources
from vulns import VulnService
from vulns import build_database
from vulns.cli import records_layout
from vulns.identities import identities
from vulns.natives import BridgeError
from vulns.natives import load_bridge
from vulns.natives import parse_bridge

DOCS = Path(__file__).resolve().parents[2] / "docs"
# natives with real NVD records and real lockfile versions on both sides of their ranges
TESTED = {
    "openssl": {"openssl"},
    "curl": {"curl", "libcurl"},
    "libtiff": {"libtiff"},
    "sqlite": {"sqlite", "libsqlite"},
    "expat": {"libexpat"},
    "xz": {"xz", "liblzma"},
    "zlib": {"zlib", "libzlib"},
    "freetype": {"freetype"},
    "libwebp": {"libwebp", "libwebp-base"},
}
# no locked xz is 5.6.0 or 5.6.1 (CVE-2024-3094's backdoored releases): xz is tested outside only
OUTSIDE_ONLY = {"xz"}
# real package names that look like a native's but are not it: R and Python lookalikes
LOOKALIKES = {"python-xxhash", "python-blosc", "pyopenssl", "python-gil", "python-duckdb"}
R_LOOKALIKES = {"r-curl", "r-openssl", "r-png", "r-rsqlite", "r-xml", "r-xml2"}


def test_every_file_matches_its_provenance_row():
    text = (data.NATIVES / "PROVENANCE.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \|.*?\| (\d+) \| `([0-9a-f]{64})` \|", text, re.MULTILINE)
    on_disk = {str(p.relative_to(data.NATIVES)) for p in data.NATIVES.rglob("*") if p.is_file()}
    assert {path for path, _, _ in rows} == on_disk - {"PROVENANCE.md"}
    for path, size, sha256 in rows:
        body = (data.NATIVES / path).read_bytes()
        assert (len(body), hashlib.sha256(body).hexdigest()) == (int(size), sha256), path


@pytest.mark.parametrize("row", sorted(data.bridge()["native"]))
def test_every_row_has_evidence_naming_each_of_its_products(row):
    body = data.bridge()["native"][row]
    assert body["evidence"]
    named = set().union(*(data.named_pairs(item) for item in body["evidence"]))
    wanted = {tuple(c.lower().split(":", 1)) for c in body["cpe"]}
    wanted |= {tuple(pair) for pair in body.get("cve5", [])}
    assert wanted and wanted <= named


@pytest.mark.parametrize("row", sorted(data.bridge()["native"]))
def test_every_rows_home_matches_its_product(row):
    """The home page names the vendor or product, or a record's reference is on its host."""
    body = data.bridge()["native"][row]
    home = body["home"].lower()
    words = {w for c in body["cpe"] for w in re.split(r"[:_\\+]+", c.lower()) if len(w) > 1}
    words |= {w for pair in body.get("cve5", []) for w in pair[0].lower().split() if len(w) > 2}
    host = urlsplit(home).hostname.removeprefix("www.")
    referenced = set()
    for item in body["evidence"]:
        if item.endswith(".json") and "/nvd/" in item:
            record = (data.DATA / item).read_text()
            referenced |= {urlsplit(u).hostname for u in re.findall(r'"url": "([^"]+)"', record)}
    assert any(w.replace("-", "") in home.replace("-", "") for w in words) or any(
        h and h.endswith(host) for h in referenced
    ), (home, words)


def test_curated_evidence_quotes_its_source_with_commit_and_sha256():
    for key, entry in data.curated().items():
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), key
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), key
        assert entry["line"] > 0 and entry["path"] and entry["repo"].count("/") == 1, key
        assert ("VENDOR_PRODUCT" if key.startswith("cve-bin-tool:") else "CVE_PRODUCT") in (
            entry["text"]
        )


def test_every_pinned_name_has_a_row_or_a_written_reason():
    keys = data.pinning_keys()
    assert len(keys) == len(set(keys)) > 400
    in_rows = Counter(k for body in data.bridge()["native"].values() for k in body["pinning"])
    uncovered = data.bridge()["uncovered"]
    assert max(in_rows.values()) == 1 and not set(in_rows) & set(uncovered)
    assert set(in_rows) | set(uncovered) == set(keys)
    assert all(body["reason"] for body in uncovered.values())
    kinds = Counter(body["kind"] for body in uncovered.values())
    table = (DOCS / "vulnerabilities.md").read_text().split("**Native libraries", 1)[1]
    counts = re.findall(r"^\| .*? \| ([\d /]+) \|$", table.split("Guards")[0], re.MULTILINE)
    documented = [int(n) for cell in counts for n in cell.split(" / ")]
    assert documented == [
        len(in_rows),
        kinds["pypi"],
        kinds["not-a-package"],
        kinds["not-a-product"],
        kinds["collision"],
        kinds["unresolved"],
    ]
    stored = [
        b for b in data.bridge()["native"].values() if any(".json" in e for e in b["evidence"])
    ]
    assert f"{len(stored)} rows backed by a stored real" in table


def test_the_bridge_file_loads_and_every_name_of_a_row_gets_its_identities():
    bridge = load_bridge(data.BRIDGE_FILE)
    for row, body in data.bridge()["native"].items():
        for name in body["names"]:
            found = identities(name, lambda _: None)
            assert {f"cpe:{c.lower()}" for c in body["cpe"]} <= set(found), name
            assert bridge.natives[name].row == row


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(schema=2), "schema"),
        (lambda d: d["native"]["x"].update(evidence=[]), "evidence"),
        (lambda d: d["native"]["x"].update(cpe=[], cve5=[]), "no CPE"),
        (lambda d: d["native"]["x"].update(cpe=["novendor"]), "vendor:product"),
        (lambda d: d["native"]["x"].update(home="ftp://x"), "home"),
        (lambda d: d["native"]["x"].update(extra=1), "unknown keys"),
        (lambda d: d["native"].update(y=dict(d["native"]["x"], pinning=[])), "rows"),
        (lambda d: d["uncovered"]["k"].update(kind="maybe"), "kind"),
        (lambda d: d["uncovered"].update(x={"kind": "pypi", "reason": "r"}), "row and"),
    ],
)
def test_a_bridge_breaking_its_schema_is_refused_with_a_clear_error(change, message):
    document = {
        "schema": 1,
        "native": {
            "x": {
                "names": ["x"],
                "pinning": ["x"],
                "cpe": ["v:p"],
                "home": "https://x.org",
                "evidence": ["e"],
            }
        },
        "uncovered": {"k": {"kind": "pypi", "reason": "because"}},
    }
    assert parse_bridge(document).natives["x"].cpe == (("v", "p"),)
    change(document)
    with pytest.raises(BridgeError, match=message):
        parse_bridge(document)


def test_an_unreadable_bridge_file_is_a_bridge_error(tmp_path):
    (tmp_path / "b.toml").write_text("schema = [")
    with pytest.raises(BridgeError, match="cannot read"):
        load_bridge(tmp_path / "b.toml")


@pytest.fixture(scope="module")
def native_service(tmp_path_factory):
    layout = records_layout(VULN_RECORDS)
    layout["nvd"] = [*layout["nvd"], data.NATIVE_NVD]
    path = tmp_path_factory.mktemp("natives") / "vulns.sqlite"
    build_database(path, **layout)
    return VulnService(path)


def _files(names):
    return [f for f in data.locked_files() if f.name in names]


@pytest.mark.parametrize("row", sorted(TESTED))
def test_each_locked_version_of_a_native_has_exactly_the_cves_whose_ranges_include_it(
    native_service, row
):
    body = data.bridge()["native"][row]
    pairs = {tuple(c.split(":", 1)) for c in body["cpe"]}
    seen = {True: set(), False: set()}
    for name in TESTED[row]:
        files = _files({name})
        found = native_service.package_report(ChannelSources("locked"), name, files)
        assert found.covered, name
        for file in files:
            expected = data.nvd_ids_including(pairs, file.version)
            ids = {f.id for f in found.file(file.filename, file.subdir).findings}
            assert ids == expected, (file.filename, file.subdir)
            seen[bool(expected)].add(file.version)
    assert seen[False] and (seen[True] or row in OUTSIDE_ONLY), seen  # both sides of the ranges


def test_openssl_letter_versions_are_ordered_as_openssl_means_them(native_service):
    """1.1.1l is inside [1.1.1, 1.1.1u) and 1.1.1u is not (conda's order puts 1.1.1l first)."""
    files = _files({"openssl"})
    found = native_service.package_report(ChannelSources("locked"), "openssl", files)
    by_version = {
        f.version: {x.id for x in found.file(f.filename, f.subdir).findings} for f in files
    }
    assert by_version["1.1.1l"] == {"CVE-2023-0464"}
    assert by_version["1.1.1u"] == set()


def test_lookalike_names_get_no_native_identity_and_no_native_cve(native_service):
    native_ids = {p.stem for p in data.NATIVE_NVD.glob("*.json")}
    native_ids |= {"CVE-2018-25032", "CVE-2022-37434", "CVE-2023-45853", "CVE-2024-27322"}
    files = _files(LOOKALIKES)
    assert {f.name for f in files} == LOOKALIKES
    for name in LOOKALIKES:
        found = identities(name, lambda _: None)
        assert not [i for i in found if i.startswith(("cpe:", "cve5:"))], name
        report = native_service.package_report(ChannelSources("locked"), name, _files({name}))
        assert not {f["id"] for f in report.items} & native_ids, name
    for name in R_LOOKALIKES:
        assert identities(name, lambda _: None) == (f"cran:{name[2:]}",)


def test_a_name_whose_nvd_product_is_unrelated_software_is_not_covered_with_the_reason(
    native_service,
):
    assert data.bridge()["uncovered"]["gsl"]["kind"] == "collision"
    assert ("microsoft", "gsl") in data.named_pairs("openembedded:microsoft-gsl")
    assert identities("gsl", lambda _: None) == ()
    gsl = _files({"gsl"})
    assert gsl
    report = native_service.package_report(ChannelSources("locked"), "gsl", gsl)
    assert not report.covered and "microsoft:gsl" in report.reason


@pytest.mark.parametrize("name", ["curl", "libcurl", "openssl", "sqlite", "libtiff"])
def test_each_cve_says_which_identity_matched_it(native_service, name):
    """`matched_by`: the identities whose products the CVE's NVD record names."""
    report = native_service.package_report(ChannelSources("locked"), name, _files({name}))
    assert report.items
    for item in report.items:
        record = json.loads((data.NATIVE_NVD / f"{item['id']}.json").read_text())
        named = {
            f"cpe:{c['criteria'].split(':')[3]}:{c['criteria'].split(':')[4]}"
            for config in record["configurations"]
            for node in config["nodes"]
            for c in node["cpeMatch"]
        }
        assert item["matched_by"] == [i for i in report.identities if i in named]

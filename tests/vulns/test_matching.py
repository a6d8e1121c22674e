"""Matching the embedded channels' real files against the embedded real records (in-process).

Every expected set is derived from the recorded records by tests/vulns/records.py.
"""

from __future__ import annotations

import json

import pytest

from gateway.drivers.conda import parse_repodata
from tests.conftest import CHANNELS
from tests.vulns import records
from vulns import ChannelSources
from vulns import VulnService


def files_of(channel: str, name: str):
    found = []
    for path in sorted((CHANNELS / channel).glob("*/repodata.json")):
        found += [f for f in parse_repodata(json.loads(path.read_text()), None) if f.name == name]
    assert found, f"{name} is in {channel}"
    return found


@pytest.fixture(scope="module")
def service(vulns_db):
    return VulnService(vulns_db)


def report(service, channel, name, **sources):
    return service.package_report(ChannelSources(channel, **sources), name, files_of(channel, name))


def test_zlib_on_main_has_exactly_the_nvd_cves_whose_ranges_include_it(service):
    found = report(service, "main", "zlib")
    assert found.covered and found.identities == ("cpe:zlib:zlib",)
    for file in files_of("main", "zlib"):
        expected = records.nvd_cves_for_cpe("zlib:zlib", file.version)
        assert {f.id for f in found.file(file.filename, file.subdir).findings} == expected
    latest = records.nvd_cves_for_cpe("zlib:zlib", "1.2.11")
    assert latest == {"CVE-2018-25032", "CVE-2022-37434", "CVE-2023-45853"}  # as the issue says
    items = {item["id"]: item for item in found.items}
    for cve_id in latest:
        record = records.nvd(cve_id)
        assert items[cve_id]["scores"]["3.1"]["score"] == records.nvd_primary_v31(record)
        assert items[cve_id]["scores"]["3.1"]["source"] == "NVD"
        v2 = record["metrics"].get("cvssMetricV2")
        if v2:
            assert items[cve_id]["scores"]["2.0"]["score"] == v2[0]["cvssData"]["baseScore"]
    assert found.file(files_of("main", "zlib")[0].filename).score == max(
        records.nvd_primary_v31(records.nvd(c)) for c in latest
    )


def test_r_base_3_on_private_has_cve_2024_27322_from_its_cve5_record(service):
    nvd = records.nvd("CVE-2024-27322")
    assert "configurations" not in nvd  # NVD has not analysed it: only CVE 5 can match
    (affected,) = records.cve5("CVE-2024-27322")["containers"]["cna"]["affected"]
    (span,) = affected["versions"]
    found = report(service, "private", "r-base")
    assert found.covered
    for file in files_of("private", "r-base"):
        inside = records.numbers(span["version"]) <= records.numbers(file.version)
        inside &= records.numbers(file.version) < records.numbers(span["lessThan"])
        ids = {f.id for f in found.file(file.filename, file.subdir).findings}
        assert ids == ({"CVE-2024-27322"} if inside else set()), file.filename
    assert any(f.version.startswith("3.") for f in files_of("private", "r-base"))
    (item,) = found.items
    assert (
        item["scores"]["3.1"]["score"]
        == nvd["metrics"]["cvssMetricV31"][0]["cvssData"]["baseScore"]
    )


@pytest.mark.parametrize("package", ["readxl", "jsonlite", "png", "gdata", "commonmark"])
def test_r_packages_have_exactly_the_rsec_advisories_whose_ranges_include_them(service, package):
    found = report(service, "private", f"r-{package}")
    assert found.covered and found.identities == (f"cran:{package}",)
    for file in files_of("private", f"r-{package}"):
        expected = records.rsec_ids_for(package, file.version)
        assert {f.id for f in found.file(file.filename, file.subdir).findings} == expected, (
            file.filename
        )
    if package == "readxl":  # the two readxl advisories split its versions
        per_file = {
            len(found.file(f.filename, f.subdir).findings) for f in files_of("private", "r-readxl")
        }
        assert per_file == {1, 2}


def test_rsec_upstream_cves_are_related_not_aliases(service):
    (item,) = [i for i in report(service, "private", "r-jsonlite").items]
    (record,) = records.rsec("jsonlite")
    assert item["id"] == record["id"] and item["aliases"] == []
    assert item["upstream"] == record["upstream"]


@pytest.mark.parametrize(
    ("channel", "name"), [("main", "vc"), ("main", "libgcc-ng"), ("test-recipes", "dependency")]
)
def test_packages_no_source_covers_are_not_covered_never_zero(service, channel, name):
    found = report(service, channel, name)
    assert not found.covered and found.items == []
    assert found.reason
    for file in files_of(channel, name):
        assert found.file(file.filename, file.subdir).fields() == {
            "cve_score": None,
            "cve_count": None,
            "cve_status": None,
        }


def test_a_covered_package_without_cves_counts_zero(service):
    found = report(service, "test-recipes", "pip")  # PyPI `pip`: covered by OSV PyPI
    assert found.covered and found.identities == ("pypi:pip",)
    (file,) = files_of("test-recipes", "pip")
    assert found.file(file.filename, file.subdir).fields() == {
        "cve_score": None,
        "cve_count": 0,
        "cve_status": None,
    }


def test_a_channels_own_mapping_replaces_the_built_in_one(service, tmp_path):
    own = tmp_path / "mapping.json"
    own.write_text(json.dumps({"pip": None}))  # this channel says its `pip` is not PyPI's
    assert not report(service, "test-recipes", "pip", pypi_mapping=own).covered
    other = tmp_path / "v0-mapping.json"
    other.write_text(json.dumps({"pip": ["pip"]}))  # parselmouth's v0 form: a list of names
    assert report(service, "test-recipes", "pip", pypi_mapping=other).covered


def test_one_cve_appears_once_whatever_sources_carry_it(vulns_db):
    from vulns.database import Snapshot

    snapshot = Snapshot(vulns_db)
    # flask CVE-2023-30861: PYSEC-2023-62 (PyPA), GHSA-m2qf-hxjv-5gpq (GitHub), NVD
    for alias in ("PYSEC-2023-62", "GHSA-m2qf-hxjv-5gpq", "CVE-2023-30861"):
        assert snapshot.resolve(alias) == "CVE-2023-30861"
    body = snapshot.vuln("CVE-2023-30861")
    assert set(body["aliases"]) == {"PYSEC-2023-62", "GHSA-m2qf-hxjv-5gpq"}
    assert [s["kind"] for s in body["sources"]] == ["NVD", "GHSA", "PYSEC"]
    flask_rules = [r for r in snapshot.rules("pypi:flask") if r.id == "CVE-2023-30861"]
    assert flask_rules  # matched through PyPI, shown under its CVE id


def test_disputed_records_are_disputed(vulns_db):
    from vulns.database import Snapshot

    snapshot = Snapshot(vulns_db)
    # NVD's "Note: This has been disputed ..." (CVE-2022-42969) and MITRE's ** DISPUTED **
    assert "disputed" in records.nvd("CVE-2022-42969")["descriptions"][0]["value"]
    assert snapshot.vuln("CVE-2022-42969")["disputed"] is True
    assert snapshot.vuln(snapshot.resolve("PYSEC-2022-203"))["disputed"] is True
    assert snapshot.vuln("CVE-2022-37434")["disputed"] is False


def test_a_files_score_comes_from_its_open_cves_else_from_the_others(service, tmp_path):
    ids = sorted(records.nvd_cves_for_cpe("zlib:zlib", "1.2.11"))
    scores = {c: records.nvd_primary_v31(records.nvd(c)) for c in ids}
    top = max(scores.values())
    cleared = [c for c in ids if scores[c] == top]
    assert len(cleared) < len(ids)  # the records leave a lower-scored CVE open
    vex = tmp_path / "vex.json"

    def curate(names):
        statements = [
            {
                "vulnerability": {"name": c},
                "products": [{"@id": "pkg:conda/zlib@1.2.11"}],
                "status": "not_affected",
                "justification": "vulnerable_code_not_present",
                "timestamp": "2026-03-01T00:00:00Z",
            }
            for c in names
        ]
        vex.write_text(json.dumps({"statements": statements}))
        fresh = VulnService(service.database.path)
        found = report(fresh, "main", "zlib", vex=vex)
        (file,) = [f for f in files_of("main", "zlib") if f.subdir == "linux-64"][:1]
        return found.file(file.filename, file.subdir)

    partly = curate(cleared)
    assert partly.status == "reported"
    assert partly.score == max(s for c, s in scores.items() if c not in cleared)
    wholly = curate(ids)
    assert (wholly.status, wholly.score, wholly.count) == ("cleared", top, len(ids))
    assert wholly.open_by_severity == {}

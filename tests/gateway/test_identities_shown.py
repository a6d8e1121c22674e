"""The artifact, `/cves` and the page say which identity a package and each CVE matched as."""

from __future__ import annotations

from tests.conftest import gateway_client
from tests.vulns import records


def test_zlib_says_it_matched_as_its_cpe_everywhere(tmp_path):
    api = gateway_client(tmp_path)
    artifact = api.get("/api/channels/main/artifacts/conda/zlib").json
    assert artifact["cve_identities"] == ["cpe:zlib:zlib"]
    items = api.get("/api/channels/main/artifacts/conda/zlib/cves").json["items"]
    assert {i["id"] for i in items} == {
        r["id"] for r in records.nvd_records() if "zlib:zlib" in str(r.get("configurations"))
    }
    assert all(i["matched_by"] == ["cpe:zlib:zlib"] for i in items)
    page = api.get("/ui/fragments/cves/main/zlib").get_data(as_text=True)
    assert page.count("matched as cpe:zlib:zlib") == len(items)


def test_an_uncovered_package_has_no_identity(tmp_path):
    artifact = gateway_client(tmp_path).get("/api/channels/main/artifacts/conda/libgcc-ng").json
    assert artifact["cve_identities"] == [] and artifact["cve_covered"] is False

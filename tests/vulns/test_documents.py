"""Reading source documents: NVD feeds are streamed item by item, never loaded whole."""

from __future__ import annotations

import gzip
import json
import lzma

import pytest

from tests.vulns import records
from vulns.sources.documents import documents


@pytest.mark.parametrize(
    "name, pack, key",
    [
        ("CVE-All.json.xz", lzma.compress, "cve_items"),
        ("nvdcve-2.0-recorded.json.gz", gzip.compress, "vulnerabilities"),
        ("CVE-All.json", lambda b: b, "cve_items"),
    ],
)
def test_a_feed_yields_each_record_as_its_own_document(tmp_path, name, pack, key):
    real = records.nvd_records()
    items = real if key == "cve_items" else [{"cve": r} for r in real]
    head = (
        {"feed_name": "CVE-All", "cve_count": len(real)}
        if key == "cve_items"
        else {
            "resultsPerPage": len(real),
            "format": "NVD_CVE",
        }
    )
    path = tmp_path / name
    path.write_bytes(pack(json.dumps({**head, key: items}).encode()))
    found = list(documents(path))
    assert [n for n, _ in found] == [f"{path}#{key}[{i}]" for i in range(len(real))]
    assert [d for _, d in found] == items


def test_a_cut_feed_keeps_the_records_before_the_cut_and_reports_the_rest(tmp_path):
    real = records.nvd_records()
    parts = [json.dumps(r) for r in real[:3]]
    text = '{"cve_items": [' + ", ".join(parts[:2]) + ", " + parts[2][:50]  # cut in the third
    path = tmp_path / "CVE-All.json.xz"
    path.write_bytes(lzma.compress(text.encode()))
    found = list(documents(path))
    assert [d for _, d in found[:2]] == real[:2]
    assert len(found) == 3 and isinstance(found[2][1], Exception)


def test_a_single_record_file_is_not_mistaken_for_a_feed(tmp_path):
    (record,) = [r for r in records.nvd_records() if r["id"] == "CVE-2022-37434"]
    path = tmp_path / "CVE-2022-37434.json"
    path.write_text(json.dumps(record))
    assert list(documents(path)) == [(str(path), record)]

"""The full-scale vulnerability corpus: made from the real records, in the feeds' layouts."""

from __future__ import annotations

import json
import lzma
import zipfile

from bench import vulns_scale
from tests.conftest import VULN_RECORDS


def test_the_corpus_has_the_feeds_layouts_unique_ids_and_the_real_records_first(tmp_path):
    sources = vulns_scale.corpus(tmp_path, 0.0005)
    (nvd,) = sources["nvd"]
    with lzma.open(nvd, "rt") as feed:
        document = json.load(feed)
    items = document["cve_items"]
    assert document["feed_name"] == "CVE-All" and document["cve_count"] == len(items) == 160
    assert len({i["id"] for i in items}) == len(items)
    real = {p.stem: json.loads(p.read_text()) for p in (VULN_RECORDS / "nvd").glob("*.json")}
    assert all(
        items[n] == real[items[n]["id"]] for n in range(len(items)) if items[n]["id"] in real
    )
    copy = items[-1]
    assert copy["id"].split("-")[2].startswith("9")
    criteria = [
        m["criteria"]
        for c in copy.get("configurations", [])
        for n in c["nodes"]
        for m in n["cpeMatch"]
    ]
    assert all(c.split(":")[3].startswith("s") for c in criteria)
    for path in sources["osv"] + sources["cve5"]:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            assert names and len(set(names)) == len(names)
            json.loads(archive.read(names[-1]))

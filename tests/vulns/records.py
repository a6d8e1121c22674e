"""The embedded vulnerability records, read by the tests with their own small, independent code.

Expected answers are derived from the recorded files here, never from the code under test:
plain `json`/`yaml` reads, integer-tuple version comparison, and the records' own numbers.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import yaml

from tests.conftest import CHANNELS
from tests.conftest import VULN_RECORDS

NVD = VULN_RECORDS / "nvd"
CVE5 = VULN_RECORDS / "cve5"
OSV = VULN_RECORDS / "osv"


def numbers(version: str) -> tuple[int, ...]:
    """`1.2.11` -> (1, 2, 11); CRAN's `0.1-3` and conda's `0.1_7` split the same way."""
    return tuple(int(part) for part in re.split(r"[._-]", version))


@cache
def nvd(cve_id: str) -> dict:
    """One recorded NVD 2.0 record."""
    return json.loads((NVD / f"{cve_id}.json").read_text(encoding="utf-8"))


def nvd_records() -> list[dict]:
    """Every recorded NVD record."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(NVD.glob("*.json"))]


def cve5(cve_id: str) -> dict:
    """One recorded CVE 5 record."""
    return json.loads((CVE5 / f"{cve_id}.json").read_text(encoding="utf-8"))


def rsec(package: str) -> list[dict]:
    """The R Consortium advisories recorded for a CRAN package."""
    return [yaml.safe_load(p.read_text()) for p in sorted((OSV / "cran" / package).glob("*.yaml"))]


def nvd_primary_v31(record: dict) -> float:
    """NVD's own (nvd@nist.gov, Primary) CVSS 3.1 base score of a record."""
    for metric in record["metrics"]["cvssMetricV31"]:
        if metric["source"] == "nvd@nist.gov" and metric["type"] == "Primary":
            return metric["cvssData"]["baseScore"]
    raise AssertionError(f"{record['id']} has no NVD primary CVSS 3.1 score")


def nvd_cves_for_cpe(vendor_product: str, version: str) -> set[str]:
    """CVE ids whose configurations have a vulnerable cpeMatch for `vendor:product` whose
    version bounds include `version` (simple integer comparison; no AND conditions)."""
    found = set()
    target = numbers(version)
    for record in nvd_records():
        for config in record.get("configurations", []):
            for node in config["nodes"]:
                for match in node["cpeMatch"]:
                    parts = match["criteria"].split(":")
                    if f"{parts[3]}:{parts[4]}" != vendor_product or not match["vulnerable"]:
                        continue
                    ok = True
                    if "versionStartIncluding" in match:
                        ok &= target >= numbers(match["versionStartIncluding"])
                    if "versionEndExcluding" in match:
                        ok &= target < numbers(match["versionEndExcluding"])
                    if "versionEndIncluding" in match:
                        ok &= target <= numbers(match["versionEndIncluding"])
                    if ok:
                        found.add(record["id"])
    return found


def rsec_ids_for(package: str, version: str) -> set[str]:
    """RSEC ids whose ECOSYSTEM range (introduced/fixed) includes `version`."""
    found = set()
    for record in rsec(package):
        for affected in record["affected"]:
            for rng in affected.get("ranges", []):
                events = {k: v for e in rng["events"] for k, v in e.items()}
                low = numbers(str(events["introduced"])) if events.get("introduced") else ()
                if numbers(version) >= low and numbers(version) < numbers(str(events["fixed"])):
                    found.add(record["id"])
    return found


def repodata_files(channel: str, name: str) -> list[dict]:
    """(filename, version, subdir) of every file of a package in an embedded channel."""
    found = []
    for path in sorted((CHANNELS / channel).glob("*/repodata.json")):
        document = json.loads(path.read_text())
        for key in ("packages", "packages.conda"):
            for filename, record in document.get(key, {}).items():
                if record["name"] == name:
                    found.append(
                        {
                            "filename": filename,
                            "version": record["version"],
                            "subdir": path.parent.name,
                        }
                    )
    return found


def repo_file(path: str) -> Path:
    """A path inside the repo's data folder."""
    return VULN_RECORDS.parent / path

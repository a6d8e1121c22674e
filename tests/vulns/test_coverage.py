"""`conda-badges-vulns coverage`: figures per identity kind and the gaps, on real repodata.

Expected figures are derived here from the repodata, the parselmouth mapping and the bridge
file with plain reads, not from vulns/.
"""

from __future__ import annotations

import json
import tomllib

import pytest

from tests.conftest import CHANNELS
from tests.conftest import EMBEDDED_VULNS_DB
from tests.conftest import VULN_RECORDS
from tests.vulns.natives_data import BRIDGE_FILE
from vulns.cli import main
from vulns.coverage import figures


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["coverage", *args])
    out, err = capsys.readouterr()
    return code, out, err


def expected_figures(channel: str) -> dict:
    records = []
    for path in sorted((CHANNELS / channel).glob("*/repodata.json")):
        document = json.loads(path.read_text())
        records += list(document.get("packages", {}).values())
        records += list(document.get("packages.conda", {}).values())
    mapping = json.loads(next((VULN_RECORDS / "mapping").rglob("*.json")).read_text())
    bridge = tomllib.loads(BRIDGE_FILE.read_text())["native"]
    natives = {n: b for b in bridge.values() for n in b["names"]}
    names = {r["name"] for r in records}
    depended = {}
    for record in records:
        for spec in record.get("depends", []):
            target = spec.split()[0]
            if target != record["name"]:
                depended.setdefault(target, set()).add(record["name"])
    kinds = {"pypi": 0, "cran": 0, "cpe": 0, "cve5": 0}
    uncovered = []
    for name in sorted(names):
        has = set()
        if name in natives:
            has |= {"cpe"} if natives[name]["cpe"] else set()
            has |= {"cve5"} if natives[name].get("cve5") else set()
        if name.startswith("r-") and name != "r-base":
            has.add("cran")
        if isinstance(mapping.get(name), str):
            has.add("pypi")
        for each in has:
            kinds[each] += 1
        if not has:
            uncovered.append((name, len(depended.get(name, ()))))
    return {"names": len(names), "kinds": kinds, "uncovered": uncovered}


@pytest.mark.parametrize("channel", ["private", "main"])
def test_coverage_counts_each_kind_and_lists_the_gaps_most_depended_on_first(capsys, channel):
    code, out, _ = run(capsys, str(CHANNELS / channel), "--db", str(EMBEDDED_VULNS_DB), "--json")
    assert code == 0
    report = json.loads(out)
    expected = expected_figures(channel)
    assert report["names"] == expected["names"]
    assert report["covered_by_kind"] == expected["kinds"]
    assert report["covered"] == expected["names"] - len(expected["uncovered"])
    listed = [(u["name"], u["dependants"]) for u in report["uncovered"]]
    assert sorted(listed) == sorted(expected["uncovered"])
    assert listed == sorted(listed, key=lambda u: (-u[1], u[0]))
    assert all(u["reason"] for u in report["uncovered"])


def test_the_private_channels_biggest_gap_is_named_first_in_text(capsys):
    code, out, _ = run(capsys, str(CHANNELS / "private"), "--db", str(EMBEDDED_VULNS_DB))
    assert code == 0
    first = max(expected_figures("private")["uncovered"], key=lambda u: u[1])
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("not covered:"))
    assert lines[start + 1].split()[:2] == [str(first[1]), f"{first[0]}:"]


def test_one_repodata_file_is_read_alone(capsys):
    path = CHANNELS / "main" / "linux-64" / "repodata.json"
    code, out, _ = run(capsys, str(path), "--db", str(EMBEDDED_VULNS_DB), "--json")
    names = {r["name"] for r in json.loads(path.read_text())["packages"].values()}
    assert code == 0 and json.loads(out)["names"] == len(names)


@pytest.mark.parametrize("content", [None, "not json", "[1, 2]"])
def test_bad_input_is_a_clear_error(capsys, tmp_path, content):
    path = tmp_path / "repodata.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, str(path), "--db", str(EMBEDDED_VULNS_DB))
    assert code == 1 and not out and err.startswith("conda-badges-vulns coverage: ")
    assert "Traceback" not in err


def test_a_missing_database_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, str(CHANNELS / "main"), "--db", str(tmp_path / "none.sqlite"))
    assert code == 1 and "none.sqlite" in err


def test_a_name_with_two_identity_kinds_counts_once_for_each_kind():
    """`gdal` is in the bridge (CPE) and maps to PyPI `GDAL`: covered by both kinds."""
    answers = {"gdal": (("cpe:osgeo:gdal", "pypi:gdal"), True, None), "x": ((), False, "none")}
    report = figures({"x": {"gdal"}}, answers.__getitem__, {"gdal", "x"})
    assert report["covered"] == 1 and report["names"] == 2
    assert report["covered_by_kind"] == {"pypi": 1, "cran": 0, "cpe": 1, "cve5": 0}
    assert report["uncovered"] == [{"name": "x", "dependants": 1, "reason": "none"}]


def test_the_documented_figures_for_the_private_channel(capsys):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "vulnerabilities.md").read_text()
    code, out, _ = run(capsys, str(CHANNELS / "private"), "--db", str(EMBEDDED_VULNS_DB), "--json")
    report = json.loads(out)
    kinds, first = report["covered_by_kind"], report["uncovered"][0]
    said = (
        f"{report['names']} names,\n{report['covered']} covered ({kinds['cran']} CRAN, "
        f"{kinds['pypi']} PyPI, {kinds['cve5']} CVE 5), and the first gap is `{first['name']}` "
        f"({first['dependants']} dependants)"
    )
    assert code == 0 and " ".join(said.split()) in " ".join(doc.split())

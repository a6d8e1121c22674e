"""Resolution details: dependency edges of PyPI requirements, the CLI's --fail-on rule."""

from __future__ import annotations

from environments import read_lock
from environments.model import PYPI
from environments.resolve import dependency_graph
from environments.table import failing
from tests.environments.lockdata import PIXI


def test_pypi_requirements_only_under_an_extra_are_not_edges():
    path = next(p for p in PIXI if p.name.startswith("geodepot"))
    packages = read_lock(path.read_bytes()).environments["dev"]["linux-64"]
    edges, _ = dependency_graph(packages)
    pypi = {p.name.lower().replace("_", "-"): p for p in packages if p.kind == PYPI}
    checked = 0
    for package in pypi.values():
        for requirement in package.depends:
            name = requirement.split(";")[0].split("[")[0].split(" ")[0]
            for op in "<>=!~":
                name = name.split(op)[0]
            target = pypi.get(name.strip().lower().replace("_", "-"))
            if target is None:
                continue
            only_extra = "extra ==" in requirement.replace("'", "").replace('"', "")
            assert (target.key in edges[package.key]) is not only_extra or any(
                r.startswith(name) and "extra" not in r for r in package.depends
            )
            checked += 1
    assert checked > 0


def _report(*cves: dict) -> dict:
    return {"packages": [{"key": "k", "cves": list(cves)}]}


def test_fail_on_counts_open_findings_and_unknown_severity_everywhere():
    reported = {"id": "CVE-1", "status": "reported", "severity": "medium"}
    cleared = {"id": "CVE-2", "status": "cleared", "severity": "critical"}
    unknown = {"id": "CVE-3", "status": "active", "severity": "unknown"}
    assert failing(_report(reported), "medium") and not failing(_report(reported), "high")
    assert not failing(_report(cleared), "low")
    assert failing(_report(unknown), "critical")

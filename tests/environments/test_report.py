"""The report of one environment and platform: every package once with the lock's digests,
the dependency graph and the coverage equal to independent derivations, honest verdicts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from common.settings import Settings
from environments import build_report
from environments import read_lock
from environments import render
from environments.errors import UnknownSelection
from tests.conftest import EMBEDDED_VULNS_DB
from tests.environments.lockdata import ALL_LOCKS
from tests.environments.lockdata import CONDA_LOCK
from tests.environments.lockdata import EXPLICIT
from tests.environments.lockdata import PIXI
from tests.environments.lockdata import conda_lock_edges
from tests.environments.lockdata import pixi_edges
from vulns import VulnService
from vulns.identities import NATIVE

CHANNELS = Settings.from_env({}).channels
SERVICE = VulnService(EMBEDDED_VULNS_DB)


def public(channel) -> bool:
    return not channel.private


def report_of(path: Path, env=None, platform=None, **options) -> dict:
    lock = read_lock(path.read_bytes())
    return build_report(lock, env, platform, SERVICE, CHANNELS, public, **options)


@pytest.mark.parametrize("path", ALL_LOCKS, ids=lambda p: p.name)
def test_every_package_once_per_environment_and_platform_with_the_lock_digests(path):
    lock = read_lock(path.read_bytes())
    for env, platforms in lock.environments.items():
        for platform, packages in list(platforms.items())[:2]:
            report = build_report(lock, env, platform, SERVICE, CHANNELS, public)
            keys = [row["key"] for row in report["packages"]]
            assert len(keys) == len(set(keys)) == len(packages)
            digests = {p.key: p.sha256 for p in packages}
            assert {row["key"]: row["sha256"] for row in report["packages"]} == digests
            assert report["summary"]["packages"] == len(packages)


@pytest.mark.parametrize("path", PIXI, ids=lambda p: p.name)
def test_pixi_dependency_edges_equal_an_independent_derivation(path):
    lock = read_lock(path.read_bytes())
    env = "default"
    for platform in lock.environments[env]:
        report = build_report(lock, env, platform, SERVICE, CHANNELS, public)
        names = {row["key"]: row["name"] for row in report["packages"]}
        found = {
            row["name"]: {names[k] for k in row["depends"] if k.startswith("conda:")}
            for row in report["packages"]
            if row["kind"] == "conda"
        }
        assert found == pixi_edges(path, env, platform)


@pytest.mark.parametrize("path", CONDA_LOCK, ids=lambda p: p.name)
def test_conda_lock_dependency_edges_equal_an_independent_derivation(path):
    lock = read_lock(path.read_bytes())
    for platform in lock.environments["default"]:
        report = build_report(lock, None, platform, SERVICE, CHANNELS, public)
        names = {row["key"]: row["name"] for row in report["packages"]}
        found = {
            row["name"]: {names[k] for k in row["depends"]}
            for row in report["packages"]
            if row["kind"] == "conda"
        }
        assert found == conda_lock_edges(path, platform)


def _independent_coverage(rows: list[dict]) -> int:
    """How many packages some source tracks, read from the database file directly."""
    db = sqlite3.connect(EMBEDDED_VULNS_DB)
    coverage = json.loads(db.execute("SELECT value FROM meta WHERE key='coverage'").fetchone()[0])
    covered = 0
    for row in rows:
        kinds = set()
        if row["kind"] == "pypi":
            kinds.add("pypi")
        else:
            name = row["name"]
            if name in NATIVE:
                kinds.add("cpe")
                kinds.update({"cve5"} if NATIVE[name].cve5 else set())
            if name.startswith("r-") and name != "r-base":
                kinds.add("cran")
            mapped = db.execute(
                "SELECT pypi_name FROM pypi_names WHERE conda_name = ?", (name,)
            ).fetchone()
            if mapped and mapped[0]:
                kinds.add("pypi")
        covered += any(coverage.get(kind) for kind in kinds)
    return covered


@pytest.mark.parametrize("path", ALL_LOCKS, ids=lambda p: p.name)
def test_coverage_equals_an_independent_count(path):
    report = report_of(path)
    rows, summary = report["packages"], report["summary"]
    assert summary["covered"] == _independent_coverage(rows)
    assert summary["not_tracked"] == len(rows) - summary["covered"] == len(report["not_tracked"])
    assert {r["key"] for r in report["not_tracked"]} == {r["key"] for r in rows if not r["covered"]}


def test_an_untracked_only_lock_never_reads_clean(tmp_path):
    full = report_of(EXPLICIT[1])
    untracked = {r["url"] for r in full["packages"] if not r["covered"]}
    lines = [
        line for line in EXPLICIT[1].read_text().splitlines() if line.split("#")[0] in untracked
    ]
    assert lines
    path = tmp_path / "untracked.txt"
    path.write_text("# platform: linux-64\n@EXPLICIT\n" + "\n".join(lines) + "\n")
    report = report_of(path)
    summary = report["summary"]
    assert summary["covered"] == 0 and summary["not_tracked"] == len(lines)
    assert summary["clean"] is False
    assert "not checked" in summary["verdict"] and "no vulnerabilities" not in summary["verdict"]
    bom = json.loads(render(report, "cyclonedx"))
    root = {p["name"]: p["value"] for p in bom["metadata"]["component"]["properties"]}
    assert root["conda-badges:verdict"] == summary["verdict"]
    assert root["conda-badges:coverage:covered"] == "0"
    for component in bom["components"]:
        props = {p["name"]: p["value"] for p in component["properties"]}
        assert props["conda-badges:coverage"] == "not-tracked"
    spdx = json.loads(render(report, "spdx"))
    assert "0 packages covered" in spdx["creationInfo"]["comment"]


def test_pypi_entries_are_matched_as_pypi():
    path = next(p for p in PIXI if p.name.startswith("geodepot"))
    report = report_of(path, "dev", "linux-64")
    pypi = [row for row in report["packages"] if row["kind"] == "pypi"]
    assert pypi
    for row in pypi:
        assert row["identities"] == [f"pypi:{row['purls'][0].split('/')[1].split('@')[0]}"]
        assert row["purls"][0].startswith("pkg:pypi/") and row["covered"]


def test_the_selection_defaults_and_unknown_names():
    path = next(p for p in PIXI if p.name.startswith("conda-lock"))
    report = report_of(path)
    assert (report["environment"], report["platform"]) == ("default", "linux-64")
    with pytest.raises(UnknownSelection, match="no environment 'nope'"):
        report_of(path, "nope")
    with pytest.raises(UnknownSelection, match="no platform 'win-arm64'"):
        report_of(path, "default", "win-arm64")

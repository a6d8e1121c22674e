"""Building the database: every source format, malformed records named and skipped, atomicity."""

from __future__ import annotations

import gzip
import json
import lzma
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import VULN_RECORDS
from tests.vulns import records
from vulns import build_database
from vulns.build import BuildError
from vulns.cli import records_layout
from vulns.database import Snapshot

CLI = Path(sys.executable).with_name("conda-badges-vulns")
MAPPING = records_layout(VULN_RECORDS)["mapping"]


def embedded(out: Path, **changes):
    sources = {**records_layout(VULN_RECORDS), **changes}
    return build_database(out, **sources)


def test_the_embedded_records_build_without_a_problem(tmp_path):
    result = embedded(tmp_path / "v.sqlite")
    assert result.problems == []
    on_disk = len(list(VULN_RECORDS.rglob("*.json"))) + len(list(VULN_RECORDS.rglob("*.yaml")))
    assert result.counts["records"] == on_disk - 1  # every record; the mapping is not one
    assert Snapshot(result.path).info()["version"] == result.version


def test_the_version_is_a_digest_of_the_content(tmp_path):
    first = embedded(tmp_path / "a.sqlite")
    second = embedded(tmp_path / "b.sqlite")
    assert first.digest == second.digest and first.version == first.digest[:12]
    fewer = embedded(tmp_path / "c.sqlite", osv=[VULN_RECORDS / "osv" / "cran"])
    assert fewer.digest != first.digest


def test_nvd_feeds_and_osv_zips_read_like_single_records(tmp_path):
    feed = {
        "format": "NVD_CVE",
        "version": "2.0",
        "vulnerabilities": [{"cve": r} for r in records.nvd_records()],
    }
    gz = tmp_path / "nvdcve-2.0-recorded.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(feed).encode()))
    xz = tmp_path / "CVE-recorded.json.xz"
    xz.write_bytes(lzma.compress(json.dumps({"cve_items": records.nvd_records()}).encode()))
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted((VULN_RECORDS / "osv").rglob("*")):
            if path.is_file():
                out.write(path, path.name)
    singles = embedded(tmp_path / "singles.sqlite")
    for nvd in (gz, xz):
        packed = embedded(tmp_path / f"{nvd.name}.sqlite", nvd=[nvd], osv=[archive])
        assert packed.problems == [] and packed.digest == singles.digest


def _broken_sources(tmp_path: Path) -> dict:
    nvd = tmp_path / "nvd"
    shutil.copytree(VULN_RECORDS / "nvd", nvd)
    (nvd / "CVE-2099-0001.json").write_text('{"id": "CVE-2099-0001", "configurations": [')
    (nvd / "CVE-2099-0002.json").write_text(
        json.dumps({"id": "CVE-2099-0002", "configurations": 7})
    )
    osv = tmp_path / "osv"
    shutil.copytree(VULN_RECORDS / "osv", osv)
    (osv / "BROKEN-1.yaml").write_text("id: BROKEN-1\naffected: [{package: {ecosystem: PyPI}}]\n")
    (osv / "BROKEN-2.json").write_text("not json at all")
    return {"nvd": [nvd], "osv": [osv]}


def test_malformed_records_are_named_and_skipped(tmp_path):
    good = embedded(tmp_path / "good.sqlite")
    result = embedded(tmp_path / "v.sqlite", **_broken_sources(tmp_path))
    named = sorted(Path(p.name).name for p in result.problems)
    assert named == ["BROKEN-1.yaml", "BROKEN-2.json", "CVE-2099-0001.json", "CVE-2099-0002.json"]
    assert result.digest == good.digest  # everything else went in, exactly as without them


def test_the_command_reports_bad_files_by_name_and_still_builds(tmp_path):
    sources = _broken_sources(tmp_path)
    out = tmp_path / "v.sqlite"
    result = subprocess.run(
        [str(CLI), "sync", "--out", str(out), "--nvd", str(sources["nvd"][0])]
        + ["--osv", str(sources["osv"][0]), "--mapping", str(MAPPING)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    for name in ("CVE-2099-0001.json", "CVE-2099-0002.json", "BROKEN-1.yaml", "BROKEN-2.json"):
        assert f"skipped {sources['nvd' if 'CVE' in name else 'osv'][0] / name}:" in result.stderr
    assert "Traceback" not in result.stderr and out.exists()


def test_a_failed_build_leaves_the_previous_database_in_place(tmp_path):
    out = tmp_path / "v.sqlite"
    before = embedded(out)
    content = out.read_bytes()
    with pytest.raises(BuildError):
        embedded(out, osv=[tmp_path / "no-such-folder"])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "junk.json").write_text("{")
    with pytest.raises(BuildError, match="no record"):
        build_database(out, osv=[empty])
    bad_mapping = tmp_path / "mapping.json"
    bad_mapping.write_text("[1, 2]")
    with pytest.raises(BuildError, match="mapping"):
        embedded(out, mapping=bad_mapping)
    assert out.read_bytes() == content and Snapshot(out).version == before.version
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "empty",
        "mapping.json",
        "v.sqlite",
    ]  # no temporary file left behind
    failed = subprocess.run(
        [str(CLI), "sync", "--out", str(out), "--osv", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
    )
    assert (
        failed.returncode == 1 and "missing" in failed.stderr and "Traceback" not in failed.stderr
    )


def test_a_half_written_file_is_never_visible(tmp_path):
    """The database is written beside the target and renamed: the target is complete or old."""
    out = tmp_path / "v.sqlite"
    embedded(out)
    inode = out.stat().st_ino
    embedded(out)
    assert out.stat().st_ino != inode  # a new file took the name: readers of the old keep it
    with sqlite3.connect(out) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_scores_are_computed_from_the_vectors(tmp_path):
    snapshot = Snapshot(embedded(tmp_path / "v.sqlite").path)
    for record in records.nvd_records():
        for key, version in (("cvssMetricV31", "3.1"), ("cvssMetricV2", "2.0")):
            primary = [m for m in record["metrics"].get(key, []) if m["source"] == "nvd@nist.gov"]
            if primary:
                stored = snapshot.vuln(snapshot.resolve(record["id"]))["scores"][version]
                assert stored["vector"] == primary[0]["cvssData"]["vectorString"]
                assert stored["score"] == primary[0]["cvssData"]["baseScore"]


def test_sources_and_the_mapping_may_be_urls(tmp_path):
    from tests.processes import UpstreamServer

    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted((VULN_RECORDS / "osv").rglob("*.yaml")):
            out.write(path, path.name)
    server = UpstreamServer({"/PyPI/all.zip": archive, "/mapping.json": MAPPING})
    try:
        result = build_database(
            tmp_path / "v.sqlite",
            osv=[f"{server.url}/PyPI/all.zip"],
            mapping=f"{server.url}/mapping.json",
        )
        with pytest.raises(BuildError, match="download failed"):
            build_database(tmp_path / "w.sqlite", osv=[f"{server.url}/missing.zip"])
    finally:
        server.close()
    snapshot = Snapshot(result.path)
    assert snapshot.pypi_name("flask") == "flask" and snapshot.rules("pypi:werkzeug")

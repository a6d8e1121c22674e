"""`conda-badges-env`: offline against the database file; exit 1 at --fail-on, 2 for input it
cannot read; the SBOM on stdout."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from environments.cli import main
from environments.cli import run
from environments.table import RANK
from tests.conftest import EMBEDDED_VULNS_DB
from tests.environments.lockdata import CONDA_META
from tests.environments.lockdata import ENVIRONMENT_YML
from tests.environments.lockdata import EXPLICIT
from tests.environments.lockdata import PIXI

MICROMAMBA = next(p for p in EXPLICIT if p.name.startswith("micromamba"))


def cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run([*argv, "--vulns-db", str(EMBEDDED_VULNS_DB)], EMBEDDED_VULNS_DB, out)
    return code, out.getvalue()


def _open_severities(report: dict) -> set[str]:
    """Severities of open findings, read from the JSON report's rows."""
    return {
        c["severity"]
        for row in report["packages"]
        for c in row["cves"]
        if c["status"] in ("active", "reported")
    }


def test_fail_on_exits_1_only_at_or_above_the_threshold():
    code, text = cli("report", str(MICROMAMBA), "--format", "json")
    report = json.loads(text)
    worst = max(RANK[s] for s in _open_severities(report))  # this lock has open findings
    for threshold, rank in RANK.items():
        code, _ = cli("report", str(MICROMAMBA), "--fail-on", threshold)
        assert code == (1 if rank <= worst else 0), threshold
    assert cli("report", str(MICROMAMBA))[0] == 0


def test_the_table_names_findings_and_what_was_not_checked():
    code, text = cli("report", str(MICROMAMBA))
    report = json.loads(cli("report", str(MICROMAMBA), "--format", "json")[1])
    assert code == 0 and report["summary"]["verdict"] in text
    for row in report["packages"]:
        for cve in row["cves"]:
            assert cve["id"] in text
    assert "not tracked by any source (not checked)" in text
    assert all(f"{r['name']} {r['version']}" in text for r in report["not_tracked"])


@pytest.mark.parametrize("bad", ["missing.lock", *map(str, ENVIRONMENT_YML)])
def test_unreadable_input_exits_2(bad, capsys):
    assert cli("report", bad)[0] == 2
    assert "conda-badges-env:" in capsys.readouterr().err


def test_unknown_environment_exits_2():
    assert cli("report", str(PIXI[0]), "--environment", "nope")[0] == 2


def test_sbom_on_stdout_and_a_conda_meta_folder(tmp_path):
    folder = tmp_path / "env" / "conda-meta"
    folder.mkdir(parents=True)
    shutil.copy(CONDA_META[1], folder)
    code, text = cli("sbom", str(tmp_path / "env"), "--spec-version", "1.5")
    assert code == 0
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(text) is None
    record = json.loads(CONDA_META[1].read_text())
    (component,) = json.loads(text)["components"]
    assert component["name"] == record["name"] and component["version"] == record["version"]


def test_files_offline_lists_every_package_as_not_expanded_with_why():
    code, text = cli("sbom", str(MICROMAMBA), "--files")
    components = json.loads(text)["components"]
    assert code == 0 and components
    for component in components:
        properties = {p["name"]: p["value"] for p in component["properties"]}
        assert properties["conda-badges:files"] == "not-expanded"
        assert "--gateway" in properties["conda-badges:files:reason"]
        assert "components" not in component


def test_sbom_format_spdx3_and_an_unknown_format(capsys):
    from spdx_python_model.bindings import v3_0_1 as spdx3

    code, text = cli("sbom", str(MICROMAMBA), "--format", "spdx3")
    assert code == 0
    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
    report = json.loads(cli("report", str(MICROMAMBA), "--format", "json")[1])
    names = {p.name for p in objects.foreach_type(spdx3.software_Package)}
    assert names >= {row["name"] for row in report["packages"]}
    assert cli("sbom", str(MICROMAMBA), "--format", "spdx4")[0] == 2
    assert "spdx3" in capsys.readouterr().err


def test_the_sbom_creator_comes_from_the_settings(monkeypatch, capsys):
    monkeypatch.setenv("VULNS_DB", str(EMBEDDED_VULNS_DB))
    monkeypatch.setenv("SBOM_CREATOR_NAME", "Example SBOMs")
    monkeypatch.setenv("SBOM_CREATOR_CONTACT", "sbom-team@example.org")
    assert main(["sbom", str(MICROMAMBA), "--format", "spdx"]) == 0
    creators = json.loads(capsys.readouterr().out)["creationInfo"]["creators"]
    assert "Organization: Example SBOMs (sbom-team@example.org)" in creators

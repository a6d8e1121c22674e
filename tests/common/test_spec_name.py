"""One `spec_name` (common/specs.py) names the package of every dependency spec."""

from __future__ import annotations

import ast
import json
import re

from common.specs import spec_name
from runner.embedded import CHANNELS
from runner.processes import REPO
from tests.test_imports import source_files


def _real_specs() -> set[str]:
    specs = set()
    for path in CHANNELS.glob("*/*/repodata.json"):
        document = json.loads(path.read_text())
        for section in ("packages", "packages.conda"):
            for record in (document.get(section) or {}).values():
                specs.update(record.get("depends") or [], record.get("constrains") or [])
    return specs


def test_every_real_dependency_names_its_package():
    specs = _real_specs()
    assert len(specs) > 500
    for spec in specs:  # the name is what comes before the first space or operator
        assert spec_name(spec) == re.split(r"[\s=<>!~]", spec, maxsplit=1)[0].lower(), spec


def test_a_blank_spec_names_nothing():
    assert spec_name("") == "" and spec_name("   ") == ""


def test_spec_name_is_defined_once():
    defined = [
        str(path.relative_to(REPO))
        for path in source_files(REPO)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name == "spec_name"
    ]
    assert defined == ["common/specs.py"]

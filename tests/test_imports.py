"""Code that runs (`make run`, `make cluster`, benches, the apps) never imports `tests/`."""

from __future__ import annotations

import ast
from pathlib import Path

from runner.processes import REPO

SKIPPED = {"tests", ".venv", "var", "node_modules", "__pycache__"}


def source_files(root: Path) -> list[Path]:
    """Every Python file under `root` outside tests/, virtualenvs, state and hidden folders."""
    found = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts[:-1]
        if not any(part in SKIPPED or part.startswith(".") for part in parts):
            found.append(path)
    return sorted(found)


def imports_of_tests(path: Path) -> list[str]:
    """The `tests` modules that the file at `path` imports, as `line: module`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{node.lineno}: {n}" for n in names if n == "tests" or n.startswith("tests.")]
    return found


def test_no_module_outside_tests_imports_tests():
    files = source_files(REPO)
    assert REPO / "deploy" / "cluster.py" in files and REPO / "bench" / "__main__.py" in files
    offenders = {
        str(path.relative_to(REPO)): found for path in files if (found := imports_of_tests(path))
    }
    assert offenders == {}


def test_the_check_sees_every_form_of_importing_tests(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import tests\nimport tests.processes as p\nfrom tests.conftest import mint\n"
        "from tests import processes\nimport testsuite\nfrom .tests import x\n"
    )
    assert imports_of_tests(sample) == [
        "1: tests",
        "2: tests.processes",
        "3: tests.conftest",
        "4: tests",
    ]

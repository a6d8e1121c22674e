"""The import directions docs/architecture.md states, checked with ast over the source tree.

Each rule is data here (levels, gateway roles, named exceptions); the doc lists the same
exceptions, and an exception the code no longer needs fails too, so the list stays exact.
"""

from __future__ import annotations

import ast
from pathlib import Path

from runner.processes import REPO
from tests.test_imports import source_files

DOC = REPO / "docs" / "architecture.md"

# Product packages by level: a package imports only packages on lower levels (never its peers).
LEVELS = {
    "common": 0,
    "attestation": 1,
    "contents": 1,
    "signatures": 1,
    "vulns": 1,
    "services.badges": 2,
    "services.sbom": 2,
    "environments": 3,
    "gateway": 4,
}
# Running tools: they may import any product package and each other as listed; no product
# package imports them.
TOOLS = {"runner": set(), "deploy": {"runner"}, "bench": {"runner", "deploy"}}

# The gateway's roles (module names under gateway/, a package counts as one module).
VIEWS = {
    "__init__", "wsgi", "api", "web", "environments", "watched_environments",
    "vex_repository", "proxy", "hot_path", "limits", "purge",
}  # fmt: skip
QUERY = {
    "access",
    "catalog",
    "artifacts",
    "cves",
    "cve_query",
    "package_files",
    "environment_files",
}
STORAGE = {
    "drivers", "fallback", "hostindex", "shards", "upstream", "http_cache", "breaker", "locks",
    "records", "models", "response_cache", "cache_keys", "shared_lifetime",
}  # fmt: skip

# (importing file, imported module) pairs that break a rule above, each stated in the doc.
EXCEPTIONS = {
    # the gateway reaches the services over HTTP only, except the SBOM service's purl builder
    ("gateway/vex_repository.py", "services.sbom.purl"),
    # storage writes the API's artifact summary (issue 21, item 7)
    ("gateway/drivers/anaconda_org.py", "gateway.artifacts"),
    ("gateway/hostindex/build.py", "gateway.artifacts"),
    ("gateway/hostindex/refresh.py", "gateway.artifacts"),
    # the upstream fetcher reports the cache status of the request through flask.g
    ("gateway/upstream.py", "flask"),
}
# Packages without Flask: pure libraries, and the gateway's storage role.
NO_FLASK = {"attestation", "contents", "signatures", "vulns", "environments"}


def imported(path: Path, root: Path) -> list[str]:
    """The modules the file imports: `from a import b` is `a.b` when b is a module under `root`,
    else `a`; a relative import is kept as written (`.x`), so a rule can refuse it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.ImportFrom) and node.module:
            subs = [
                f"{node.module}.{a.name}"
                for a in node.names
                if _is_module(root, node.module, a.name)
            ]
            found += subs if len(subs) == len(node.names) else [node.module, *subs]
    return found


def _is_module(root: Path, package: str, name: str) -> bool:
    """Whether `package.name` is a module file or package folder under `root`."""
    base = root.joinpath(*package.split("."), name)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def area(module: str) -> str | None:
    """The package (as in LEVELS or TOOLS) a dotted module belongs to, or None when not ours."""
    parts = module.split(".")
    if parts[0] == "services" and len(parts) > 1:
        return f"services.{parts[1]}"
    return parts[0] if parts[0] in LEVELS or parts[0] in TOOLS else None


def gateway_role(module: str) -> str:
    """`views`, `query` or `storage` for a dotted module under gateway/ (`gateway` = views)."""
    name = (module.split(".") + ["__init__"])[1]
    for role, names in (("views", VIEWS), ("query", QUERY), ("storage", STORAGE)):
        if name in names:
            return role
    raise AssertionError(f"{module}: a gateway module in no role (add it to the test and the doc)")


def module_of(relative: str) -> str:
    """The dotted module name of a repo-relative file path."""
    return relative.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def level_breaks(relative: str, modules: list[str]) -> list[str]:
    """Imports of `relative` that go up or sideways between packages, or into a running tool."""
    source = area(module_of(relative))
    breaks = []
    for module in modules:
        target = area(module)
        if target is None or target == source or target == "tests":
            continue
        if source in TOOLS:
            bad = target in TOOLS and target not in TOOLS[source]
        else:
            bad = target in TOOLS or LEVELS[target] >= LEVELS[source]
        if bad:
            breaks.append(module)
    return breaks


def role_breaks(relative: str, modules: list[str]) -> list[str]:
    """Gateway imports that go from storage up to query/views, or from query up to views."""
    rank = {"storage": 0, "query": 1, "views": 2}
    if not relative.startswith("gateway/"):
        return []
    mine = rank[gateway_role(module_of(relative))]
    return [m for m in modules if m.startswith("gateway.") and rank[gateway_role(m)] > mine]


def service_breaks(relative: str, modules: list[str]) -> list[str]:
    """Service imports that bypass HTTP: a service's app, views or wsgi from outside it, the
    badges service from anywhere, or any service module from the gateway (tools excepted)."""
    source = area(module_of(relative))
    if source in TOOLS:
        return []
    found = []
    for module in modules:
        target = area(module)
        if target is None or not target.startswith("services.") or target == source:
            continue
        app_part = module == target or module.split(".")[2] in {"views", "wsgi"}
        if app_part or target == "services.badges" or source == "gateway":
            found.append(module)
    return found


def flask_breaks(relative: str, modules: list[str]) -> list[str]:
    """Flask imported by a library package or by the gateway's storage role."""
    source = module_of(relative)
    without = area(source) in NO_FLASK or (
        area(source) == "gateway" and gateway_role(source) == "storage"
    )
    return ["flask"] if without and any(m.split(".")[0] == "flask" for m in modules) else []


def breaks(root: Path) -> set[tuple[str, str]]:
    """Every (file, imported module) pair under `root` that breaks one of the rules."""
    found = set()
    for path in source_files(root):
        relative = path.relative_to(root).as_posix()
        if area(module_of(relative)) is None:
            continue
        modules = imported(path, root)
        found |= {(relative, m) for m in modules if m.startswith(".")}
        for rule in (level_breaks, role_breaks, service_breaks, flask_breaks):
            found |= {(relative, m) for m in rule(relative, modules)}
    return found


def test_the_code_follows_the_stated_import_directions():
    assert breaks(REPO) == EXCEPTIONS


def test_every_source_folder_has_a_place_in_the_layout():
    top = {path.relative_to(REPO).parts[0] for path in source_files(REPO)}
    placed = {name.split(".")[0] for name in LEVELS} | set(TOOLS)
    assert top == placed


def test_every_gateway_module_has_a_role():
    files = source_files(REPO / "gateway")
    roles = {gateway_role(module_of(p.relative_to(REPO).as_posix())) for p in files}
    assert roles == {"views", "query", "storage"}


def test_the_doc_names_every_exception_and_package():
    text = DOC.read_text()
    for relative, module in EXCEPTIONS:
        assert f"`{relative}`" in text and f"`{module}`" in text, (relative, module)
    for name in list(LEVELS) + list(TOOLS):
        assert f"`{name.replace('.', '/')}/`" in text, name


def test_no_running_code_imports_signatures_yet():
    users = {
        path.relative_to(REPO).as_posix()
        for path in source_files(REPO)
        if path.relative_to(REPO).parts[0] != "signatures"
        and any(area(m) == "signatures" for m in imported(path, REPO))
    }
    assert users == set()  # when a process starts using it, say so in docs/architecture.md


def test_the_readme_links_the_doc_in_what_it_is():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## What it is", 1)[1].split("\n## ", 1)[0]
    assert "(docs/architecture.md)" in section


def test_the_checker_sees_each_kind_of_break(tmp_path):
    files = {
        "common/low.py": "from gateway import api\n",  # up a level
        "vulns/peer.py": "import contents.archive\n",  # sideways
        "contents/tool.py": "from runner.ports import free_ports\n",  # into a tool
        "gateway/upstream.py": "from gateway.api import bp\nfrom flask import g\n",
        "gateway/catalog.py": "from gateway import web\nfrom services.sbom.purl import p\n",
        "gateway/web/__init__.py": "",
        "environments/sbom.py": "from services.sbom import views\nimport services.sbom.minimums\n",
        "environments/app.py": "from services.badges import create_app\nfrom . import x\n",
        "services/sbom/views.py": "",
        "gateway/api.py": "from gateway.catalog import Catalog\nimport vulns\n",  # fine
        "deploy/run.py": "from bench import load\n",  # a tool into a tool it may not use
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    assert breaks(tmp_path) == {
        ("common/low.py", "gateway.api"),
        ("vulns/peer.py", "contents.archive"),
        ("contents/tool.py", "runner.ports"),
        ("gateway/upstream.py", "gateway.api"),
        ("gateway/upstream.py", "flask"),
        ("gateway/catalog.py", "gateway.web"),
        ("gateway/catalog.py", "services.sbom.purl"),
        ("environments/app.py", "services.badges"),
        ("environments/app.py", "."),
        ("environments/sbom.py", "services.sbom.views"),
        ("deploy/run.py", "bench"),
    }

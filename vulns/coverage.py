"""How much of a channel the vulnerability sources cover: the `coverage` command's figures.

For every package name in a channel's repodata: its identities (PyPI, CRAN, CPE, CVE 5) and
whether the database covers it. The figures: names covered per identity kind, and the names
nothing covers, most depended-on first (reverse-dependency count: how many other package names
in the repodata depend on it), each with the reason — the gaps most worth a bridge row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterable
from pathlib import Path

from vulns.identities import kind

KINDS = ("pypi", "cran", "cpe", "cve5")


class CoverageError(ValueError):
    """The input is not a repodata.json file or a channel folder holding some."""


def repodata_documents(path: Path) -> list[dict]:
    """One repodata.json file, or every `<subdir>/repodata.json` of a channel folder."""
    files = sorted(path.glob("*/repodata.json")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise CoverageError(f"{path} is neither a repodata.json file nor a channel folder")
    documents = []
    for file in files:
        try:
            document = json.loads(file.read_bytes())
        except (OSError, ValueError) as error:
            raise CoverageError(f"{file} is not JSON: {error}") from None
        if not isinstance(document, dict):
            raise CoverageError(f"{file} is not a repodata object")
        documents.append(document)
    return documents


def dependants(documents: Iterable[dict]) -> dict[str, set[str]]:
    """Every package name, with the names of the other packages that depend on it."""
    found: dict[str, set[str]] = {}
    for document in documents:
        for key in ("packages", "packages.conda"):
            for record in (document.get(key) or {}).values():
                if not isinstance(record, dict) or not isinstance(record.get("name"), str):
                    continue
                found.setdefault(record["name"], set())
                for spec in record.get("depends") or ():
                    target = str(spec).split()[0] if str(spec).strip() else ""
                    if target:
                        found.setdefault(target, set()).add(record["name"])
    return found


def package_names(documents: Iterable[dict]) -> set[str]:
    """The names that have a package file in the repodata."""
    return {
        record["name"]
        for document in documents
        for key in ("packages", "packages.conda")
        for record in (document.get(key) or {}).values()
        if isinstance(record, dict) and isinstance(record.get("name"), str)
    }


def figures(
    names: dict[str, set[str]],
    answer: Callable[[str], tuple[tuple[str, ...], bool, str | None]],
    present: set[str],
) -> dict:
    """The figures for the names in `present` (`answer(name)`: identities, covered, reason)."""
    by_kind = dict.fromkeys(KINDS, 0)
    uncovered = []
    covered = 0
    for name in sorted(present):
        found, is_covered, reason = answer(name)
        if is_covered:
            covered += 1
            for each in sorted({kind(i) for i in found}):
                by_kind[each] = by_kind.get(each, 0) + 1
        else:
            uncovered.append(
                {"name": name, "dependants": len(names.get(name, ())), "reason": reason}
            )
    uncovered.sort(key=lambda u: (-u["dependants"], u["name"]))
    return {
        "names": len(present),
        "covered": covered,
        "covered_by_kind": by_kind,
        "not_covered": len(uncovered),
        "uncovered": uncovered,
    }


def render(report: dict, limit: int) -> str:
    """The figures as text: totals, per kind, then the first `limit` uncovered names."""
    total = report["names"] or 1
    lines = [
        f"names: {report['names']}",
        f"covered: {report['covered']} ({100 * report['covered'] / total:.1f} %)",
        *(f"  by {k}: {n} ({100 * n / total:.1f} %)" for k, n in report["covered_by_kind"].items()),
        f"not covered: {report['not_covered']} (most depended-on first)",
    ]
    for item in report["uncovered"][:limit]:
        lines.append(f"  {item['dependants']:>6}  {item['name']}: {item['reason']}")
    if len(report["uncovered"]) > limit:
        lines.append(f"  ... {len(report['uncovered']) - limit} more (--limit, --json)")
    return "\n".join(lines)

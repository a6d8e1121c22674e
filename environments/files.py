"""File components on request: each locked conda package's shipped files, from the package
contents the gateway reads (bounded per request; what is not expanded says why)."""

from __future__ import annotations

from collections.abc import Callable

from environments import deadline
from environments.model import CONDA

NOT_FROM_CHANNEL = "its facts come from the lock, not from a served channel's file of this sha256"
PYPI_ENTRY = "a PyPI distribution: no conda package contents"
OFFLINE = "package contents are read by a gateway (use --gateway)"

# a row of the report -> its contents document (paths.json entries under "paths"), or the
# reason it cannot be read now
Fetch = Callable[[dict], "dict | str"]


def over_limit(limit: int) -> str:
    """The reason of a package past the per-request bound."""
    return f"over the limit of {limit} packages' contents per request (ENVIRONMENTS_MAX_CONTENTS)"


def _files_of(row: dict, fetch: Fetch | None, left: int, limit: int) -> dict:
    if row["kind"] != CONDA:
        return {"expanded": False, "reason": PYPI_ENTRY}
    if fetch is None:
        return {"expanded": False, "reason": OFFLINE}
    if row["origin"] != "channel":
        why = f" ({row['note']})" if row.get("note") else ""
        return {"expanded": False, "reason": NOT_FROM_CHANNEL + why}
    if left <= 0:
        return {"expanded": False, "reason": over_limit(limit)}
    found = fetch(row)
    if isinstance(found, str):
        return {"expanded": False, "reason": found, "counted": True}
    paths = [entry for entry in found.get("paths") or () if entry.get("path")]
    return {"expanded": True, "reason": None, "counted": True, "paths": paths}


def with_files(report: dict, fetch: Fetch | None, limit: int) -> dict:
    """The report with `files` on every package (expanded or why not) and a `files` summary;
    at most `limit` packages' contents are asked for."""
    rows, left = [], limit
    for row in report["packages"]:
        deadline.check()
        files = _files_of(row, fetch, left, limit)
        left -= 1 if files.pop("counted", False) else 0
        rows.append({**row, "files": files})
    not_expanded = [
        {"key": r["key"], "reason": r["files"]["reason"]}
        for r in rows
        if not r["files"]["expanded"]
    ]
    summary = {
        "limit": limit,
        "expanded": len(rows) - len(not_expanded),
        "not_expanded": not_expanded,
    }
    return {**report, "packages": rows, "files": summary}

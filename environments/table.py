"""The CLI's readable table of a report, and the --fail-on test."""

from __future__ import annotations

from vulns.model import OPEN_STATUSES

RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "none": 0}


def failing(report: dict, threshold: str) -> list[tuple[str, str]]:
    """(package key, CVE id) of open findings at or above `threshold` (unknown severity: any)."""
    floor = RANK[threshold]
    return [
        (row["key"], cve["id"])
        for row in report["packages"]
        for cve in row["cves"]
        if cve["status"] in OPEN_STATUSES and RANK.get(cve["severity"], 5) >= floor
    ]


def table(report: dict) -> str:
    """Summary, the CVE findings, and the packages no source tracks."""
    summary, database = report["summary"], report["database"]
    lines = [
        f"lockfile  {report['lockfile']['format']} sha256 {report['lockfile']['sha256']}",
        f"selection environment {report['environment']}, platform {report['platform']}",
        f"database  {database['version']} built {database['built_at']}",
        f"packages  {summary['packages']} ({summary['conda']} conda, {summary['pypi']} PyPI); "
        f"{summary['covered']} checked, {summary['not_tracked']} not tracked",
        f"verdict   {summary['verdict']}",
        "",
    ]
    findings = [(row, cve) for row in report["packages"] for cve in row["cves"]]
    if findings:
        lines.append(
            f"{'package':32} {'CVE':18} {'severity':9} {'score':>5} {'status':10} fixed in"
        )
        for row, cve in findings:
            score = "" if cve["score"] is None else f"{cve['score']:.1f}"
            lines.append(
                f"{(row['name'] + ' ' + row['version'])[:32]:32} {cve['id']:18} "
                f"{cve['severity']:9} {score:>5} {cve['status']:10} {', '.join(cve['fixed_in'])}"
            )
        lines.append("")
    if report["not_tracked"]:
        names = ", ".join(f"{r['name']} {r['version']}" for r in report["not_tracked"])
        lines.append(f"not tracked by any source (not checked): {names}")
    return "\n".join(lines) + "\n"

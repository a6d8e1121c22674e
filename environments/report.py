"""One environment and platform of a lock -> the JSON report (identities, CVEs, coverage)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from urllib.parse import urlsplit

from packageurl import PackageURL

from common.channels import ChannelConfig
from environments import deadline
from environments.errors import UnknownSelection
from environments.evaluate import evaluate
from environments.model import CONDA
from environments.model import Lock
from environments.resolve import Lookup
from environments.resolve import dependency_graph
from environments.resolve import pypi_normalized
from environments.resolve import resolve_all
from services.sbom.purl import conda_purl
from vulns import VulnService
from vulns.model import OPEN_STATUSES
from vulns.model import STATUSES
from vulns.report import SEVERITIES

DEFAULT_PLATFORM = "linux-64"


def select(lock: Lock, environment: str | None, platform: str | None) -> tuple[str, str]:
    """The environment (default: `default`, else the first) and platform (default: linux-64
    when the environment has it, else its first) a request names; UnknownSelection if absent."""
    names = list(lock.environments)
    env = environment or ("default" if "default" in names else names[0])
    if env not in lock.environments:
        raise UnknownSelection(f"no environment {env!r} in the lockfile; it has {names}")
    platforms = sorted(lock.environments[env])
    chosen = platform or (DEFAULT_PLATFORM if DEFAULT_PLATFORM in platforms else platforms[0])
    if chosen not in platforms:
        raise UnknownSelection(
            f"environment {env!r} has no platform {chosen!r}; it has {platforms}"
        )
    return env, chosen


def channel_label(channel_url: str) -> str:
    """The purl `channel` of an unserved channel: its last path segment (e.g. conda-forge)."""
    path = urlsplit(channel_url).path.rstrip("/")
    return path.rpartition("/")[2] or channel_url


def purls(package, channel: ChannelConfig | None, identities: list[str]) -> list[str]:
    """The package's purls: conda (channel, subdir) or PyPI first, a mapped PyPI name next."""
    if package.kind != CONDA:
        name = pypi_normalized(package.name)
        return [PackageURL(type="pypi", name=name, version=package.version).to_string()]
    label = channel.name if channel else channel_label(package.channel_url)
    first = conda_purl(
        package.name,
        package.version,
        package.build,
        package.subdir,
        package.filename or f"{package.name}.conda",
        label,
    )
    pypi = [i.split(":", 1)[1] for i in identities if i.startswith("pypi:")]
    return [first] + [
        PackageURL(type="pypi", name=n, version=package.version).to_string() for n in pypi
    ]


def _summary(rows: list[dict]) -> dict:
    severities: dict[str, int] = {}
    statuses: dict[str, int] = {}
    ids = set()
    for row in rows:
        for cve in row["cves"]:
            ids.add(cve["id"])
            statuses[cve["status"]] = statuses.get(cve["status"], 0) + 1
            if cve["status"] in OPEN_STATUSES:
                severities[cve["severity"]] = severities.get(cve["severity"], 0) + 1
    untracked = [r for r in rows if not r["covered"]]
    open_count = sum(severities.values())
    if open_count:
        verdict = f"{open_count} open CVE findings"
    elif untracked:
        verdict = f"no open CVE found in the {len(rows) - len(untracked)} checked packages"
    else:
        verdict = "no open CVE found; every package was checked"
    if untracked:
        verdict += f"; {len(untracked)} packages not tracked by any source (not checked)"
    return {
        "packages": len(rows),
        "conda": sum(1 for r in rows if r["kind"] == CONDA),
        "pypi": sum(1 for r in rows if r["kind"] != CONDA),
        "covered": len(rows) - len(untracked),
        "not_tracked": len(untracked),
        "from_channel": sum(1 for r in rows if r["origin"] == "channel"),
        "cves": len(ids),
        "open_by_severity": {s: severities[s] for s in SEVERITIES if s in severities},
        "by_status": {s: statuses[s] for s in STATUSES if s in statuses},
        "clean": open_count == 0 and not untracked,
        "verdict": verdict,
    }


def _row(resolved, facts: dict, edges: dict, unresolved: dict) -> dict:
    package, record = resolved.package, resolved.record
    return {
        "key": package.key,
        "kind": package.kind,
        "name": package.name,
        "version": package.version,
        "build": package.build or None,
        "subdir": package.subdir or None,
        "filename": package.filename or None,
        "url": package.url or None,
        "sha256": package.sha256,
        "md5": package.md5,
        "license": getattr(record, "license", None) or package.license,
        "channel": resolved.channel.name if resolved.channel else None,
        "channel_label": (
            resolved.channel.name
            if resolved.channel
            else channel_label(package.channel_url)
            if package.channel_url
            else None
        ),
        "origin": resolved.origin,
        "note": resolved.note,
        "purls": purls(package, resolved.channel, facts["identities"]),
        **facts,
        "depends": edges[package.key],
        "unresolved_depends": unresolved.get(package.key, []),
    }


def build_report(
    lock: Lock,
    environment: str | None,
    platform: str | None,
    service: VulnService,
    channels: Mapping[str, ChannelConfig],
    may_read: Callable[[ChannelConfig], bool],
    lookup: Lookup | None = None,
) -> dict:
    """The JSON report of one environment and platform (raises DatabaseUnavailable)."""
    env, chosen = select(lock, environment, platform)
    packages = lock.environments[env][chosen]
    edges, unresolved = dependency_graph(packages)
    snapshot = service.snapshot()
    rows = []
    for resolved in resolve_all(packages, channels, may_read, lookup):
        deadline.check()
        facts = evaluate(service, snapshot, resolved)
        rows.append(_row(resolved, facts, edges, unresolved))
    rows.sort(key=lambda r: (r["kind"], r["name"], r["key"]))
    return {
        "lockfile": {"sha256": lock.sha256, "format": lock.format},
        "environment": env,
        "platform": chosen,
        "environments": lock.selection(),
        "database": snapshot.info(),
        "summary": _summary(rows),
        "not_tracked": [
            {
                "key": r["key"],
                "name": r["name"],
                "version": r["version"],
                "reason": r["coverage_reason"],
            }
            for r in rows
            if not r["covered"]
        ],
        "packages": rows,
    }

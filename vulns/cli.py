"""`conda-badges-vulns`: build (`sync`), describe (`info`) a database, measure `coverage`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common.settings import Settings
from vulns import coverage
from vulns.build import BuildError
from vulns.build import build_database
from vulns.database import DatabaseUnavailable
from vulns.database import Snapshot
from vulns.service import ChannelSources
from vulns.service import VulnService
from vulns.sources.documents import SourceError


def records_layout(folder: Path) -> dict:
    """The sources in a records folder: `osv/`, `nvd/`, `cve5/` and one `mapping/**/*.json`."""
    sources: dict = {
        kind: [folder / kind] if (folder / kind).exists() else [] for kind in ("osv", "nvd", "cve5")
    }
    mappings = sorted((folder / "mapping").rglob("*.json")) if (folder / "mapping").exists() else []
    if len(mappings) > 1:
        raise BuildError(f"{folder}/mapping has {len(mappings)} JSON files; keep exactly one")
    sources["mapping"] = mappings[0] if mappings else None
    return sources


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conda-badges-vulns", description="Build or describe a vulnerability database."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    sync = commands.add_parser(
        "sync",
        help="build a database from OSV, NVD 2.0 and CVE 5 records (atomically)",
        description="Paths may be files, directories, .zip/.gz/.xz archives or http(s) URLs. "
        "A malformed record is reported by name and skipped; if the build fails, the "
        "database at --out is left as it was.",
    )
    sync.add_argument("--out", required=True, type=Path, help="the database file to write")
    sync.add_argument("--osv", action="append", default=[], help="OSV records (JSON or YAML)")
    sync.add_argument("--nvd", action="append", default=[], help="NVD CVE API 2.0 records/feeds")
    sync.add_argument("--cve5", action="append", default=[], help="CVE JSON 5 records")
    sync.add_argument("--mapping", help="conda→PyPI mapping (parselmouth JSON), a path or URL")
    sync.add_argument(
        "--records",
        type=Path,
        help="a folder laid out as osv/ nvd/ cve5/ mapping/ (the embedded data/vulns)",
    )
    sync.add_argument("--quiet", action="store_true", help="print only problems and errors")
    info = commands.add_parser("info", help="print a database's version, date and counts")
    info.add_argument("path", type=Path)
    cover = commands.add_parser(
        "coverage",
        help="how many of a channel's names each identity kind covers; the gaps by dependants",
    )
    cover.add_argument("channel", type=Path, help="a channel folder or one repodata.json")
    cover.add_argument("--db", type=Path, help="the database (default: VULNS_DB's)")
    cover.add_argument("--limit", type=int, default=50, help="uncovered names to list")
    cover.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser


def _sync(args: argparse.Namespace) -> int:
    osv, nvd, cve5, mapping = list(args.osv), list(args.nvd), list(args.cve5), args.mapping
    if args.records:
        layout = records_layout(args.records)
        osv, nvd, cve5 = osv + layout["osv"], nvd + layout["nvd"], cve5 + layout["cve5"]
        mapping = mapping or layout["mapping"]
    if not (osv or nvd or cve5):
        print("conda-badges-vulns sync: give at least one --osv, --nvd or --cve5", file=sys.stderr)
        return 2
    result = build_database(args.out, osv=osv, nvd=nvd, cve5=cve5, mapping=mapping)
    for problem in result.problems:
        print(f"skipped {problem}", file=sys.stderr)
    if not args.quiet:
        counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
        print(f"wrote {result.path}: version {result.version}, built {result.built_at}; {counts}")
    return 0


def _info(args: argparse.Namespace) -> int:
    try:
        snapshot = Snapshot(args.path)
    except DatabaseUnavailable as error:
        print(f"conda-badges-vulns info: {error}", file=sys.stderr)
        return 1
    body = {**snapshot.info(), "counts": snapshot.counts, "coverage": snapshot.coverage}
    print(json.dumps(body, indent=2))
    return 0


def _coverage(args: argparse.Namespace) -> int:
    documents = coverage.repodata_documents(args.channel)
    service = VulnService(args.db or Settings.from_env().vulns_db)
    try:
        snapshot = service.snapshot()
    except DatabaseUnavailable as error:
        print(f"conda-badges-vulns coverage: {error}", file=sys.stderr)
        return 1
    sources = ChannelSources(args.channel.name)
    report = coverage.figures(
        coverage.dependants(documents),
        lambda name: service.coverage(snapshot, sources, name),
        coverage.package_names(documents),
    )
    print(json.dumps(report, indent=2) if args.json else coverage.render(report, args.limit))
    return 0


COMMANDS = {"sync": _sync, "info": _info, "coverage": _coverage}


def main(argv: list[str] | None = None) -> int:
    """Entry point of `conda-badges-vulns`."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (BuildError, SourceError, coverage.CoverageError) as error:
        print(f"conda-badges-vulns {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

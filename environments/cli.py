"""`conda-badges-env`: the report or SBOM of a lockfile, offline or from a running gateway.

    conda-badges-env report LOCKFILE [--environment E] [--platform P] [--format table|json]
                                     [--fail-on SEVERITY] [--vulns-db FILE | --gateway URL]
    conda-badges-env sbom LOCKFILE [--format cyclonedx|spdx|spdx3] [--spec-version 1.6|1.5] ...

Offline (the default), packages are judged from the lock's own facts against the vulnerability
database file; with --gateway, the gateway resolves them against its channels (their records
and curation). Exit 0: done; 1: an open CVE at or above --fail-on; 2: unreadable input or no
answer.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
from pathlib import Path

from environments.cli_gateway import GatewayError
from environments.cli_gateway import ask_gateway
from environments.errors import LockError
from environments.files import with_files
from environments.minimums import DEFAULT_CREATOR
from environments.minimums import Creator
from environments.outputs import FORMATS
from environments.outputs import render
from environments.readers.folder import read_path
from environments.report import build_report
from environments.table import failing
from environments.table import table
from vulns import VulnService
from vulns.database import DatabaseUnavailable

SEVERITIES = ("critical", "high", "medium", "low", "none")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conda-badges-env", description="Report or SBOM of a conda environment's lockfile."
    )
    parser.add_argument("command", choices=("report", "sbom"))
    parser.add_argument("lockfile", help="pixi.lock, conda-lock.yml, @EXPLICIT, conda-meta")
    parser.add_argument("--environment", "-e")
    parser.add_argument("--platform", "-p")
    parser.add_argument(
        "--format", help="report: table (default) or json; sbom: cyclonedx, spdx or spdx3"
    )
    parser.add_argument("--spec-version", default="1.6", choices=("1.6", "1.5"))
    parser.add_argument("--fail-on", choices=SEVERITIES, help="exit 1 on an open CVE this severe")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--vulns-db", type=Path, help="the vulnerability database file (offline)")
    source.add_argument("--gateway", help="a running gateway's base URL")
    parser.add_argument("--token-file", type=Path, help="a token for private channels (gateway)")
    parser.add_argument("--files", action="store_true", help="packages' files (with --gateway)")
    return parser


def _body(path: Path) -> bytes:
    if not path.is_dir():
        return path.read_bytes()
    buffer = io.BytesIO()
    folder = path / "conda-meta" if (path / "conda-meta").is_dir() else path
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for record in sorted(folder.glob("*.json")):
            archive.add(record, arcname=f"conda-meta/{record.name}")
    return buffer.getvalue()


def _offline_report(args, default_db: Path) -> dict:
    lock = read_path(Path(args.lockfile))
    service = VulnService(args.vulns_db or default_db)
    report = build_report(lock, args.environment, args.platform, service, {}, lambda _: False)
    return with_files(report, None, 0) if args.files else report


def _report(args, default_db: Path) -> dict:
    if args.gateway:
        token = args.token_file.read_text().strip() if args.token_file else None
        query = {"environment": args.environment, "platform": args.platform}
        query["files"] = "true" if args.files else None
        return ask_gateway(args.gateway, "report", _body(Path(args.lockfile)), query, token)
    return _offline_report(args, default_db)


def run(
    argv: list[str] | None, default_db: Path, out=sys.stdout, creator: Creator = DEFAULT_CREATOR
) -> int:
    """Run the command; returns the exit code (`creator` is named in SBOMs)."""
    args = _parser().parse_args(argv)
    try:
        report = _report(args, default_db)
    except (OSError, LockError, GatewayError, DatabaseUnavailable) as error:
        message = getattr(error, "message", None) or str(error)
        print(f"conda-badges-env: {message}", file=sys.stderr)
        return 2
    if args.command == "sbom":
        family = args.format or "cyclonedx"
        if family not in FORMATS:
            print(
                f"conda-badges-env: sbom --format is one of {', '.join(FORMATS)}", file=sys.stderr
            )
            return 2
        out.write(render(report, family, args.spec_version, creator) + "\n")
    elif args.format == "json":
        out.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(table(report))
    return 1 if args.fail_on and failing(report, args.fail_on) else 0


def main(argv: list[str] | None = None) -> int:
    """The console entry point: the default database comes from the settings (VULNS_DB)."""
    from common.settings import Settings

    settings = Settings.from_env(with_channels=False)
    creator = Creator.of(
        settings.sbom_creator_name, settings.sbom_creator_contact, settings.public_url
    )
    return run(argv, settings.vulns_db, sys.stdout, creator)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

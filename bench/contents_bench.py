"""Deep SBOM costs: contents cold and warm, bytes fetched over HTTP, and rstudio's SBOM warm.

    .venv/bin/python -m bench.contents_bench [--quick]

- In-process: reading a package file's contents cold (a fresh store each time) and rendering
  the deep CycloneDX document, for the zlib `.conda` and the largest embedded package file,
  read locally and over HTTP from a loopback server (range requests for the `.conda`).
- Through the real processes: the first (cold) and repeated (warm) deep SBOM per file via the
  gateway and direct to the SBOM service, and the bytes the loopback server sent per file.
- rstudio's CycloneDX SBOM (private channel, 47 dependencies) through the gateway with a
  token, warm: the batch look-ups target (p50 <= 20 ms).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.load import LoadResult
from bench.load import run_load
from common.settings import Settings
from contents import ContentsService
from runner.embedded import CHANNELS
from runner.embedded import archives
from runner.embedded import local_ref
from runner.processes import http_get
from runner.rangeserver import RangeServer
from runner.realdata import Record
from runner.realdata import facts_for
from runner.realdata import find
from runner.system import mint
from runner.system import start_system
from services.sbom.cyclonedx import render_cyclonedx

ZLIB = CHANNELS / "main" / "linux-64" / "zlib-1.2.11-h7b6447c_3.conda"
RSTUDIO = "/private/linux-64/rstudio-1.1.423-hcfd39f1_0.tar.bz2.cdx.json"
TARGET_MS = 20.0


def largest() -> Path:
    """The largest package file on disk in the embedded channels."""
    return max(archives(), key=lambda p: p.stat().st_size)


def _record(path: Path) -> Record:
    return find(path.parent.parent.name, path.parent.name, path.name)


def cold_in_process(path: Path, server: RangeServer, runs: int) -> list[str]:
    """Median ms to read contents with an empty store (local, then HTTP), and to render."""
    lines = []
    for where in ("local", "http"):
        times, fetched = [], 0
        for _ in range(runs):
            state = Path(tempfile.mkdtemp(prefix="bench-contents-"))
            service = ContentsService(
                Settings.from_env({"STATE_DIR": str(state)}, with_channels=False)
            )
            url = (
                path.as_uri()
                if where == "local"
                else f"{server.url}/{path.parent.name}/{path.name}"
            )
            started = time.perf_counter()
            document = service.get(local_ref(path, url=url))
            times.append((time.perf_counter() - started) * 1000)
            fetched = document["archive"]["bytes_fetched"]
        read = document["archive"]["read"]
        lines.append(
            f"| contents cold, {where} ({read}) | {path.name} | {statistics.median(times):.1f} |"
            f" {fetched:,} of {path.stat().st_size:,} B ({fetched / path.stat().st_size:.0%}) |"
        )
    facts = facts_for(_record(path))
    render_cyclonedx(facts)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        render_cyclonedx(facts)
        times.append((time.perf_counter() - started) * 1000)
    lines.append(
        f"| deep CycloneDX generation | {path.name} | {statistics.median(times):.1f} | "
        f"{facts.contents['path_count']} files |"
    )
    return lines


def through_processes(files: list[Path], server: RangeServer, quick: bool) -> tuple[list, list]:
    """Cold and warm deep SBOMs via the real processes, and bytes the server sent per file."""
    work = Path(tempfile.mkdtemp(prefix="bench-deep-"))
    channels = work / "channels.toml"
    channels.write_text(
        f'[channels.main]\nurl = "{(CHANNELS / "main").as_uri()}"\n'
        f'[channels.private]\nurl = "{(CHANNELS / "private").as_uri()}"\n'
        'subdirs = ["linux-64"]\nprivate = true\n'
        f'[channels.remote]\nurl = "{server.url}"\n'
        'subdirs = ["linux-64", "osx-64", "win-32", "win-64", "noarch"]\n'
    )
    system = start_system(
        work,
        {"GATEWAY_CHANNELS_FILE": str(channels), "RATE_LIMIT": "10000000 per minute"},
        only=("gateway", "metadata", "sbom"),
    )
    lines: list[str] = []
    rows: list[LoadResult] = []
    total = 100 if quick else 300
    try:
        for path in files:
            # remote first: once a verified copy is read, its contents answer for every copy
            for channel in ("remote", "main"):
                url = f"/{channel}/{path.parent.name}/{path.name}.cdx.json"
                started = time.perf_counter()
                status, _, body = http_get(system.gateway_url, url)
                cold = (time.perf_counter() - started) * 1000
                assert status == 200, body[:200]
                sent = (
                    server.bytes_sent[f"/{path.parent.name}/{path.name}"]
                    if channel == "remote"
                    else 0
                )
                lines.append(
                    f"| deep SBOM cold via gateway, {channel} | {path.name} | {cold:.1f} |"
                    f" {sent:,} B over HTTP |"
                )
                rows.append(
                    run_load(
                        f"deep SBOM warm direct to sbom (facts reused), {channel}, {path.name}",
                        system.sbom_url,
                        [url],
                        connections=1,
                        total=total,
                    )
                )
        token = mint("private", audience=["sbom"], ttl=3600)
        headers = {"Authorization": f"Bearer {token}"}
        run_load("warm-up", system.gateway_url, [RSTUDIO], connections=1, total=30, headers=headers)
        for connections in (1, 8):
            rows.append(
                run_load(
                    f"rstudio CycloneDX (private, token) via gateway, {connections} conn",
                    system.gateway_url,
                    [RSTUDIO],
                    connections=connections,
                    total=total,
                    headers=headers,
                )
            )
    finally:
        system.stop()
    rows.extend(without_facts_cache(work, channels, files, total))
    return lines, rows


def without_facts_cache(work: Path, channels: Path, files: list[Path], total: int) -> list:
    """Warm SBOMs with SBOM_FACTS_TTL=0: every request gathers its facts over HTTP (contents
    from the shared store, dependencies by batch look-ups)."""
    system = start_system(
        work / "no-facts-cache",
        {
            "GATEWAY_CHANNELS_FILE": str(channels),
            "RATE_LIMIT": "10000000 per minute",
            "SBOM_FACTS_TTL": "0",
        },
        only=("gateway", "metadata", "sbom"),
    )
    rows = []
    try:
        for path in files:
            url = f"/main/{path.parent.name}/{path.name}.cdx.json"
            run_load("warm-up", system.sbom_url, [url], connections=1, total=5)
            rows.append(
                run_load(
                    f"deep SBOM warm direct to sbom, SBOM_FACTS_TTL=0, main, {path.name}",
                    system.sbom_url,
                    [url],
                    connections=1,
                    total=total,
                )
            )
        headers = {"Authorization": f"Bearer {mint('private', audience=['sbom'], ttl=3600)}"}
        run_load("warm-up", system.gateway_url, [RSTUDIO], connections=1, total=30, headers=headers)
        rows.append(
            run_load(
                "rstudio CycloneDX via gateway, 1 conn, SBOM_FACTS_TTL=0 (facts gathered)",
                system.gateway_url,
                [RSTUDIO],
                connections=1,
                total=total,
                headers=headers,
            )
        )
        return rows
    finally:
        system.stop()


def run(quick: bool = False) -> tuple[list[str], list[LoadResult]]:
    """The contents table lines and the load rows."""
    server = RangeServer(CHANNELS / "main")
    try:
        files = [ZLIB, largest()]
        lines = ["| deep SBOM step | file | ms (median) | bytes |", "|---|---|---|---|"]
        for path in files:
            lines += cold_in_process(path, server, 5 if quick else 15)
        server.bytes_sent.clear()  # what the processes fetch, apart from the runs above
        more, rows = through_processes(files, server, quick)
        return lines + more, rows
    finally:
        server.close()


def main() -> None:
    """Print the contents table and the load rows."""
    from bench.load import HEADER

    lines, rows = run("--quick" in sys.argv)
    print("\n".join(lines))
    print(HEADER)
    for row in rows:
        print(row.row())
    rstudio = [r for r in rows if r.name.startswith("rstudio") and "1 conn" in r.name][0]
    verdict = "meets" if rstudio.percentile(50) <= TARGET_MS else "misses"
    print(
        f"rstudio warm p50 {rstudio.percentile(50):.1f} ms {verdict} the {TARGET_MS:.0f} ms target"
    )


if __name__ == "__main__":
    main()

"""Full-scale vulnerability sync: a corpus made from the real records, at the feeds' real size.

    .venv/bin/python -m bench.vulns_scale [--scale 1.0]

Generated at bench time in a temporary folder, never committed, from the real records in
data/vulns and data/natives/evidence (same shapes; new ids, versions and package names):

- NVD: 320,000 × scale CVE records in fkie-cad's `CVE-All.json.xz` layout (one xz-packed JSON
  object whose `cve_items` array holds NVD 2.0 `cve` objects);
- OSV: PyPI, CRAN and GHSA `all.zip` archives (60,000 / 800 / 25,000 × scale records);
- CVE 5: a zip of 300,000 × scale CVE JSON 5 records, as cvelistV5's release zips.

Then `conda-badges-vulns sync` runs as its own process; printed: wall time, the sync process's
peak memory (ru_maxrss), the database's size, and one file's CVE facts cold and warm against
the built database. Targets (issue 23): sync <= 10 min, <= 2 GB peak, facts <= 2 ms cold.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gateway.drivers.conda import parse_repodata  # noqa: E402
from vulns import ChannelSources  # noqa: E402
from vulns import VulnService  # noqa: E402

RECORDS = REPO / "data" / "vulns"
NATIVE_NVD = REPO / "data" / "natives" / "evidence" / "nvd"
FULL = {"nvd": 320_000, "pypi": 60_000, "cran": 800, "ghsa": 25_000, "cve5": 300_000}
TARGETS = {"sync_s": 600.0, "peak_mb": 2048.0, "facts_ms": 2.0}


def _real(folder: Path, pattern: str) -> list[dict]:
    found = []
    for path in sorted(folder.rglob(pattern)):
        text = path.read_text(encoding="utf-8")
        found.append(yaml.safe_load(text) if path.suffix == ".yaml" else json.loads(text))
    return found


PRODUCTS = 20_000  # products the copies are spread over (~16 CVEs each at full scale)


def _renamed(text: str, old: str, number: int, base: int) -> str:
    """A copy of a record: a new CVE id (year kept) and products of its own (vendor prefixed).

    The first `base` copies are the real records unchanged, so the probed package (zlib) has
    its real CVEs and no more; the others name vendors `s<n>...`, spreading the rules over
    `PRODUCTS` products as the real feeds spread them over many.
    """
    if number < base:
        return text
    year = old.split("-")[1]
    tag = f"s{number % PRODUCTS}"
    text = text.replace(old, f"CVE-{year}-{900000 + number}")
    text = text.replace("cpe:2.3:a:", f"cpe:2.3:a:{tag}").replace("cpe:2.3:o:", f"cpe:2.3:o:{tag}")
    return text.replace('"vendor": "', f'"vendor": "{tag}')


def write_nvd(path: Path, count: int) -> None:
    """`count` NVD records (the real ones, renumbered) as fkie-cad's CVE-All.json.xz."""
    base = _real(RECORDS / "nvd", "*.json") + _real(NATIVE_NVD, "*.json")
    texts = [(r["id"], json.dumps(r)) for r in base]
    with lzma.open(path, "wt", encoding="utf-8", preset=1) as out:
        out.write(f'{{"feed_name": "CVE-All", "cve_count": {count}, "cve_items": [')
        for number in range(count):
            old, text = texts[number % len(texts)]
            out.write(("," if number else "") + _renamed(text, old, number, len(texts)))
        out.write("]}")


def write_osv(path: Path, pattern: str, folder: Path, count: int) -> None:
    """`count` OSV records made from the real ones in `folder` (new ids and package names)."""
    base = _real(folder, pattern)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for number in range(count):
            record = json.loads(json.dumps(base[number % len(base)], default=str))
            record["id"] = f"{record['id']}-s{number}"
            record["aliases"] = [f"{a}-s{number}" for a in record.get("aliases", [])]
            for affected in record.get("affected", []):
                affected["package"]["name"] += f"-s{number % 5000}"
            out.writestr(f"{record['id']}.json", json.dumps(record))


def write_cve5(path: Path, count: int) -> None:
    """`count` CVE 5 records (the real ones, renumbered) zipped as cvelistV5's releases."""
    base = [(r["cveMetadata"]["cveId"], json.dumps(r)) for r in _real(RECORDS / "cve5", "*")]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for number in range(count):
            old, text = base[number % len(base)]
            new = _renamed(text, old, number, len(base))
            out.writestr(f"cves/{json.loads(new)['cveMetadata']['cveId']}.json", new)


def corpus(folder: Path, scale: float) -> dict[str, list[Path]]:
    """The generated sources, by sync option."""
    sizes = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    write_nvd(folder / "CVE-All.json.xz", sizes["nvd"])
    write_osv(folder / "pypi-all.zip", "*.yaml", RECORDS / "osv" / "pypi", sizes["pypi"])
    write_osv(folder / "cran-all.zip", "*.yaml", RECORDS / "osv" / "cran", sizes["cran"])
    write_osv(folder / "ghsa-all.zip", "*.json", RECORDS / "osv" / "ghsa", sizes["ghsa"])
    write_cve5(folder / "cve5.zip", sizes["cve5"])
    return {
        "nvd": [folder / "CVE-All.json.xz"],
        "osv": [folder / f"{k}-all.zip" for k in ("pypi", "cran", "ghsa")],
        "cve5": [folder / "cve5.zip"],
    }


def sync(folder: Path, sources: dict[str, list[Path]]) -> tuple[float, float, Path]:
    """(seconds, peak MB of the sync process, database) for one `conda-badges-vulns sync`."""
    out = folder / "vulns.sqlite"
    command = [sys.executable, "-m", "vulns.cli", "sync", "--out", str(out), "--quiet"]
    for option, paths in sources.items():
        command += [item for path in paths for item in (f"--{option}", str(path))]
    command += ["--mapping", str(next((RECORDS / "mapping").rglob("*.json")))]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise SystemExit(f"sync failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, max(peak_kb, before) / 1024, out


def facts(database: Path, runs: int) -> tuple[float, float, float]:
    """(first ms, cold median ms, warm median ms) of zlib 1.2.11's CVE facts.

    First: a new service, the database opened by that call. Cold: a fresh database snapshot
    each time (its per-snapshot look-up caches empty, the service's facts cache empty), so
    the rules are read from SQLite and matched again. Warm: the service's cache answers.
    """
    document = json.loads((REPO / "data/channels/main/linux-64/repodata.json").read_text())
    file = next(f for f in parse_repodata(document, None) if f.filename.startswith("zlib-1.2.11"))
    service = VulnService(database)
    start = time.perf_counter()
    service.file_facts(ChannelSources("main"), file)
    first = (time.perf_counter() - start) * 1000
    colds = []
    for _ in range(min(runs, 200)):
        fresh = VulnService(database)
        fresh.snapshot()
        begin = time.perf_counter()
        fresh.file_facts(ChannelSources("main"), file)
        colds.append((time.perf_counter() - begin) * 1000)
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        service.file_facts(ChannelSources("main"), file)
        samples.append((time.perf_counter() - begin) * 1000)
    return first, sorted(colds)[len(colds) // 2], sorted(samples)[len(samples) // 2]


def main(argv: list[str] | None = None) -> None:
    """Generate the corpus at `--scale`, sync it, print the figures against the targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the feeds' real size")
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vulns-scale-") as name:
        folder = Path(name)
        start = time.perf_counter()
        sources = corpus(folder, args.scale)
        made = time.perf_counter() - start
        size = sum(p.stat().st_size for paths in sources.values() for p in paths)
        seconds, peak, database = sync(folder, sources)
        first, cold, warm = facts(database, args.runs)
        sizes = {k: max(1, int(v * args.scale)) for k, v in FULL.items()}
        print(f"\nVulnerability sync at scale {args.scale} (load {os.getloadavg()[0]:.1f}):")
        print(f"  corpus: {sizes} records, {size / 2**20:.0f} MiB packed, made in {made:.0f} s")
        for label, value, unit, target in (
            ("sync", seconds, "s", TARGETS["sync_s"]),
            ("sync peak memory", peak, "MB", TARGETS["peak_mb"]),
            ("facts cold (median; fresh snapshot)", cold, "ms", TARGETS["facts_ms"]),
        ):
            verdict = "ok" if value <= target else "OVER"
            print(f"  {label}: {value:.1f} {unit} (target <= {target:g} {unit}: {verdict})")
        print(f"  facts first call (opens the database): {first:.1f} ms")
        print(f"  facts warm (median of {args.runs}): {warm:.4f} ms")
        print(f"  database: {database.stat().st_size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()

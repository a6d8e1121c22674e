"""`make bench` at conda-forge scale: 1,000,000 records, whole and sharded, over loopback HTTP.

The channel is made at bench time from the real r snapshot (data/channels/private) by renaming
(`r-base` -> `r-base-c017`, builds suffixed), ~32 records per name like conda-forge, written
once as repodata.json(.zst) and once as CEP-16 shards, under a temporary folder that is removed
at the end. Nothing generated is committed. Run alone: `flock /tmp/team-bench.lock
.venv/bin/python -m bench.scale_bench [--records N]`.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import msgpack
import orjson
import zstandard

from bench.load import run_load
from runner.processes import REPO
from runner.processes import http_get
from runner.system import start_system
from runner.upstream import UpstreamServer

SNAPSHOT = REPO / "data/channels/private/linux-64/repodata.json"
BUILDS_PER_NAME = 3  # each renamed copy keeps three builds of a name: ~32 records per name


def _records(total: int, bump: str | None = None):
    """(name, filename, record) in name order, `total` of them, renamed from the snapshot."""
    source = orjson.loads(SNAPSHOT.read_bytes())["packages"]
    by_name: dict[str, list[tuple[str, dict]]] = {}
    for filename, record in source.items():
        by_name.setdefault(record["name"], []).append((filename, record))
    emitted = 0
    copy = 0
    while emitted < total:
        for name in sorted(by_name):
            new_name = f"{name}-c{copy // BUILDS_PER_NAME:03d}"
            for filename, record in by_name[name]:
                build = f"{record.get('build', '0')}_{copy % BUILDS_PER_NAME}"
                new_filename = filename.replace(name, new_name, 1).replace(
                    record.get("build", "0"), build, 1
                )
                new = {**record, "name": new_name, "build": build}
                if bump == new_name:
                    new["version"] = new["version"] + ".1"  # the one-package upstream change
                yield new_name, new_filename, new
                emitted += 1
                if emitted >= total:
                    return
        copy += 1


def write_whole(root: Path, total: int, bump: str | None = None) -> Path:
    """repodata.json and repodata.json.zst with `total` records, streamed to disk."""
    folder = root / "linux-64"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "repodata.json"
    partial = folder / ".repodata.json.partial"  # swapped in whole, as a real server would
    with open(partial, "wb") as handle:
        handle.write(b'{"info":{"subdir":"linux-64"},"repodata_version":1,"packages":{')
        for i, (_, filename, record) in enumerate(_records(total, bump)):
            handle.write(
                (b"," if i else b"") + orjson.dumps(filename) + b":" + orjson.dumps(record)
            )
        handle.write(b"}}")
    with open(partial, "rb") as raw, open(folder / ".zst.partial", "wb") as out:
        zstandard.ZstdCompressor(level=3, threads=2).copy_stream(raw, out)
    os.replace(partial, path)
    os.replace(folder / ".zst.partial", folder / "repodata.json.zst")
    return path


def write_shards(root: Path, total: int, bump: str | None = None) -> int:
    """A CEP-16 index and one shard per name (hashes as bytes, `./shards/`); returns shards."""
    folder = root / "linux-64"
    (folder / "shards").mkdir(parents=True, exist_ok=True)
    compressor = zstandard.ZstdCompressor(level=3)
    index: dict[str, bytes] = {}
    group: dict[str, dict] = {}
    current = None

    def flush():
        if current is None:
            return
        data = compressor.compress(msgpack.packb({"packages": group, "packages.conda": {}}))
        digest = hashlib.sha256(data).digest()
        (folder / "shards" / f"{digest.hex()}.msgpack.zst").write_bytes(data)
        index[current] = digest

    for name, filename, record in _records(total, bump):
        if name != current:
            flush()
            current, group = name, {}
        record = dict(record)
        for key in ("md5", "sha256"):
            if record.get(key):
                record[key] = bytes.fromhex(record[key])
        group[filename] = record
    flush()
    document = {
        "info": {"subdir": "linux-64", "base_url": "", "shards_base_url": "./shards/"},
        "shards": index,
    }
    (folder / ".index.partial").write_bytes(compressor.compress(msgpack.packb(document)))
    os.replace(folder / ".index.partial", folder / "repodata_shards.msgpack.zst")
    return len(index)


def _workers(master_pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def _memory(pid: int) -> tuple[float, float]:
    """(RSS MB, anonymous RSS MB) of a process."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["RssAnon"].split()[0]) / 1024


def _cpu(pids: list[int]) -> float:
    """User+system CPU seconds of processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(parts[11]) + int(parts[12])
    return total / ticks


def _timed(base: str, path: str, timeout: float = 30) -> tuple[float, int]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return time.perf_counter() - started, response.status
    finally:
        connection.close()


def _latest(body: bytes) -> str | None:
    try:
        return orjson.loads(body).get("latest_version")
    except orjson.JSONDecodeError:
        return None


def _du(path: Path) -> float:
    out = subprocess.run(["du", "-sm", str(path)], capture_output=True, text=True)
    return float(out.stdout.split()[0]) if out.stdout else 0.0


def run(records: int) -> None:
    """Generate, serve, measure, print, clean up."""
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (machine shared)")
    try:
        started = time.monotonic()
        write_whole(work / "whole", records)
        shards = write_shards(work / "sharded", records)
        print(
            f"generated {records:,} records, {shards:,} names "
            f"in {time.monotonic() - started:.0f} s; "
            f"repodata.json {_du(work / 'whole/linux-64/repodata.json'):.0f} MB, "
            f".zst {_du(work / 'whole/linux-64/repodata.json.zst'):.0f} MB, "
            f"shards {_du(work / 'sharded'):.0f} MB"
        )
        whole_server = UpstreamServer(root=work / "whole")
        shard_server = UpstreamServer(root=work / "sharded")
        config = work / "channels.toml"
        config.write_text(
            f'[channels.whole]\nurl = "{whole_server.url}"\nsubdirs = ["linux-64"]\nttl = 5\n'
            "channeldata = false\n"
            f'[channels.sharded]\nurl = "{shard_server.url}"\nsubdirs = ["linux-64"]\nttl = 5\n'
            "channeldata = false\ncrawl_shards = false\n"
        )
        system = start_system(
            work / "system",
            {"GATEWAY_CHANNELS_FILE": str(config), "RATE_LIMIT": "off"},
            only=("gateway", "metadata", "badges"),
        )
        try:
            _measure(system, work, whole_server, shard_server, records, shards)
        finally:
            system.stop()
            whole_server.close()
            shard_server.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _Rows(list):
    """Rows printed as they are measured (a failure later keeps what was measured)."""

    def append(self, row) -> None:
        print(f"  measured: {row[0]}: {row[1]}", flush=True)
        super().append(row)


def _measure(system, work, whole_server, shard_server, records, shard_count) -> None:
    rng = random.Random(15)
    # names that exist: renamed copies of the snapshot's names
    snapshot_names = sorted(
        {r["name"] for r in orjson.loads(SNAPSHOT.read_bytes())["packages"].values()}
    )
    copies = max(1, records // 4211 // BUILDS_PER_NAME)
    names = [f"{rng.choice(snapshot_names)}-c{rng.randrange(copies):03d}" for _ in range(300)]
    sample = [f"r-base-c{copies // 2:03d}"]
    rows = _Rows()
    base = system.gateway_url
    cold_badge, status = _timed(base, f"/sharded/{sample[0]}/badges/version.svg")
    rows.append(
        ("sharded: first badge, cold gateway", f"{cold_badge * 1000:.0f} ms (HTTP {status})")
    )
    hits = dict(shard_server.hits)
    rows.append(
        (
            "sharded: upstream requests for it",
            f"{sum(hits.values())} ({', '.join(sorted(hits))[:80]}...)",
        )
    )
    cold_whole, status = _timed(
        system.metadata_url, f"/api/channels/whole/artifacts/conda/{sample[0]}", timeout=900
    )
    rows.append(
        (
            "whole: first look-up on a cold host (waits for the index build)",
            f"{cold_whole:.1f} s (HTTP {status})",
        )
    )
    badge, status = _timed(base, f"/whole/{sample[0]}/badges/version.svg")
    rows.append(("whole: first badge once the index is built", f"{badge * 1000:.0f} ms ({status})"))
    builds = [
        json.loads(line)
        for line in (system.state_dir / "index/builds.log").read_text().splitlines()
    ]
    rows.append(
        (
            "whole: index build (separate process)",
            f"{builds[-1]['seconds']} s, {builds[-1]['cpu_seconds']} s CPU, "
            f"peak {builds[-1]['max_rss_mb']} MB",
        )
    )
    for channel in ("sharded", "whole"):
        paths = [f"/api/channels/{channel}/artifacts/conda/{n}" for n in names]
        run_load(
            "warm-up", system.metadata_url, paths, connections=2, total=len(paths), max_seconds=120
        )
        for connections, total in ((1, 2000), (8, 4000)):
            result = run_load(
                f"{channel}: warm artifact look-up, {connections} conn",
                system.metadata_url,
                paths,
                connections=connections,
                total=total,
                max_seconds=30,
            )
            rows.append(
                (
                    result.name,
                    f"p50 {result.percentile(50):.2f} ms, p99 {result.percentile(99):.2f} ms, "
                    f"{result.requests_per_second:,.0f} req/s, {result.errors} errors",
                )
            )
    for process in ("gateway", "metadata"):
        for pid in _workers(system.processes[process].popen.pid):
            rss, anon = _memory(pid)
            rows.append(
                (
                    f"{process} worker {pid}: resident memory",
                    f"{rss:.0f} MB ({anon:.0f} MB anonymous)",
                )
            )
    # an upstream change of one package
    target = names[0]
    path = f"/api/channels/sharded/artifacts/conda/{target}"
    bumped = orjson.loads(http_get(system.metadata_url, path)[2])["latest_version"] + ".1"
    pids = _workers(system.processes["metadata"].popen.pid)
    shard_server.hits.clear()
    cpu_before = _cpu(pids)
    write_shards(work / "sharded", records, bump=target)
    time.sleep(5.2)
    started = time.perf_counter()
    while True:
        status, _, body = http_get(system.metadata_url, path)
        if _latest(body) == bumped or time.perf_counter() - started > 60:
            break
        time.sleep(0.05)
    rows.append(
        (
            "sharded: take in a one-package change",
            f"{(time.perf_counter() - started) * 1000:.0f} ms after TTL, "
            f"{_cpu(pids) - cpu_before:.2f} s worker CPU, upstream requests: "
            f"{sum(shard_server.hits.values())} "
            f"({', '.join(sorted(p.split('/')[-1][:16] for p in shard_server.hits))})",
        )
    )
    write_whole(work / "whole", records, bump=target)
    time.sleep(5.2)
    cpu_before = _cpu(pids)
    started = time.perf_counter()
    served_old = 0
    while time.perf_counter() - started < 300:
        status, _, body = http_get(system.metadata_url, path.replace("/sharded/", "/whole/"))
        if _latest(body) == bumped:
            break
        served_old += status == 200
        time.sleep(0.1)
    builds = [
        json.loads(line)
        for line in (system.state_dir / "index/builds.log").read_text().splitlines()
    ]
    rows.append(
        (
            "whole: take in a one-package change",
            f"{time.perf_counter() - started:.1f} s to visible; "
            f"build {builds[-1]['seconds']} s, {builds[-1]['cpu_seconds']} s CPU in the builder, "
            f"{_cpu(pids) - cpu_before:.1f} s worker CPU; "
            f"{served_old} answers from the old index meanwhile; "
            f"{len(builds)} builds in all",
        )
    )
    rows.append(
        (
            "disk used (STATE_DIR)",
            f"{_du(system.state_dir):.0f} MB "
            f"(index {_du(system.state_dir / 'index'):.0f} MB, "
            f"shards {_du(system.state_dir / 'shards'):.0f} MB)",
        )
    )
    print(
        f"\nconda-forge scale: {records:,} records, {shard_count:,} names (one gateway + metadata, "
        "2 gthread workers each)\n"
    )
    print("| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


def main() -> None:
    """Command line: --records N (default 1,000,000)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    run(parser.parse_args().records)


if __name__ == "__main__":
    main()

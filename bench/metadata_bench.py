"""Warm metadata look-ups through the HTTP API: the real 4k-record r snapshot and a 100k one."""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

from bench.load import HEADER
from bench.load import LoadResult
from bench.load import run_load
from runner.ports import free_port
from runner.processes import REPO
from runner.processes import start_gunicorn

SNAPSHOT = REPO / "data/channels/private/linux-64/repodata.json"
COPIES_FOR_100K = 24  # 4,211 records x 24 = 101,064 records


def make_big_channel(root: Path, copies: int = COPIES_FOR_100K) -> int:
    """A channel of `copies` renamed repetitions of the r snapshot; returns its record count."""
    source = json.loads(SNAPSHOT.read_text())
    packages = {}
    for copy in range(copies):
        for filename, record in source["packages"].items():
            name = f"{record['name']}-c{copy:02d}"
            new_filename = filename.replace(record["name"], name, 1)
            packages[new_filename] = {**record, "name": name}
    (root / "linux-64").mkdir(parents=True, exist_ok=True)
    document = {"info": {"subdir": "linux-64"}, "packages": packages, "repodata_version": 1}
    (root / "linux-64/repodata.json").write_text(json.dumps(document))
    return len(packages)


def _names(repodata: Path) -> list[str]:
    return sorted({r["name"] for r in json.loads(repodata.read_text())["packages"].values()})


def run(quick: bool = False) -> list[LoadResult]:
    """Start a gateway on both channels, warm it, and measure artifact look-ups."""
    work = Path(tempfile.mkdtemp(prefix="bench-metadata-"))
    records = make_big_channel(work / "big")
    config = work / "channels.toml"
    config.write_text(
        f'[channels.r]\nurl = "{SNAPSHOT.parent.parent.as_uri()}"\nsubdirs = ["linux-64"]\n'
        f'[channels.big]\nurl = "{(work / "big").as_uri()}"\nsubdirs = ["linux-64"]\n'
    )
    port = free_port()
    env = {
        "STATE_DIR": str(work / "state"),
        "GATEWAY_CHANNELS_FILE": str(config),
        "RATE_LIMIT": "off",  # measure look-ups, not the limiter refusing them
    }
    process = start_gunicorn("gateway.wsgi:app", port, env, work / "logs", "gateway")
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        rng = random.Random(7)
        for channel, repodata in (("r", SNAPSHOT), ("big", work / "big/linux-64/repodata.json")):
            names = _names(repodata)
            paths = [
                f"/api/channels/{channel}/artifacts/conda/{name}"
                for name in rng.sample(names, min(200, len(names)))
            ]
            started = time.perf_counter()
            run_load("warm-up", base, paths[:4], connections=4, total=40, max_seconds=120)
            cold = time.perf_counter() - started
            label = f"metadata {channel} ({len(names):,} packages)"
            if channel == "big":
                label = f"metadata big ({records:,} records)"
            for connections in (1, 8):
                result = run_load(
                    f"{label}, {connections} conn",
                    base,
                    paths,
                    connections=connections,
                    total=2000 if quick else 6000,
                )
                results.append(result)
            results[-2].name += f" [first load {cold:.1f}s]"
    finally:
        process.stop()
    return results


if __name__ == "__main__":
    print(HEADER)
    for row in run():
        print(row.row())

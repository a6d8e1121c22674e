"""The environments benchmark's lockfile: real entries only, over several platforms."""

from __future__ import annotations

import yaml

from bench.environments_bench import merged_lock
from environments import read_lock
from tests.environments.lockdata import CONDA_LOCK


def test_the_merged_lock_holds_only_real_entries_over_three_platforms():
    body, count = merged_lock()
    lock = read_lock(body)
    assert lock.package_count == count >= 1000
    assert set(lock.environments["default"]) == {"linux-64", "osx-64", "win-64"}
    real = set()
    for path in CONDA_LOCK:
        for entry in yaml.safe_load(path.read_text())["package"]:
            real.add((entry["url"], entry["hash"].get("sha256")))
    assert {
        (p.url, p.sha256) for env in lock.environments.values() for ps in env.values() for p in ps
    } <= real

"""Whole-repodata channels through the host index, in process, over real loopback HTTP."""

import json
import shutil
import threading
import time

import orjson
import pytest
from zstandard import ZstdCompressor

from common.errors import NotFound
from common.errors import UpstreamError
from common.settings import Settings
from gateway.hostindex import HostIndexes
from gateway.hostindex import Plan
from gateway.hostindex import RepodataInput
from gateway.hostindex.refresh import BUILD_LOG
from tests.conftest import CHANNELS
from tests.gateway.channels import rattler_channel
from tests.gateway.shards.test_reader import driver_for
from tests.processes import UpstreamServer
from tests.processes import start_redis


@pytest.fixture
def whole(tmp_path):
    """py-rattler's whole repodata (.json and .json.zst) of test-recipes, over HTTP."""
    _, root = rattler_channel("test-recipes", tmp_path)
    server = UpstreamServer(root=root)
    yield root, server
    server.close()


def _builds(state) -> list[dict]:
    path = state / "index" / BUILD_LOG
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_zst_is_preferred_and_read_once(tmp_path, whole):
    root, server = whole
    driver = driver_for(tmp_path / "state", server.url, 'subdirs = ["noarch"]\n')
    info = driver.package("dependent", None)
    assert {f.subdir for f in info.files} == {"noarch"}
    assert server.hits["/noarch/repodata.json.zst"] == 1
    assert "/noarch/repodata.json" not in server.hits
    records = json.loads((root / "noarch" / "repodata.json").read_text())
    expected = sorted(
        fn
        for group in ("packages", "packages.conda")
        for fn, r in records.get(group, {}).items()
        if r["name"] == "dependent"
    )
    assert sorted(f.filename for f in info.files) == expected
    items, total, freshness = driver.search_with_freshness(None, "depend", 50, 0)
    assert total == len(
        {
            r["name"]
            for g in ("packages", "packages.conda")
            for r in records.get(g, {}).values()
            if "depend" in r["name"]
        }
    )
    assert freshness["source"] == "repodata" and freshness["complete"] is True
    assert freshness["stale"] is False and freshness["index_built_at"].endswith("Z")


def test_plain_repodata_json_when_there_is_no_zst(tmp_path, whole):
    root, server = whole
    (root / "noarch" / "repodata.json.zst").unlink()
    driver = driver_for(tmp_path / "state", server.url, 'subdirs = ["noarch"]\n')
    assert driver.package("dependency", None).files
    assert server.hits["/noarch/repodata.json"] == 1


def test_a_truncated_zst_keeps_the_last_good_index(tmp_path, whole):
    root, server = whole
    extra = 'subdirs = ["noarch"]\n'
    driver = driver_for(tmp_path / "state", server.url, extra, ttl=1)
    good = driver.package("dependent", None)
    path = root / "noarch" / "repodata.json.zst"
    path.write_bytes(path.read_bytes()[:-50])
    time.sleep(1.1)
    # the check runs in the background; the old index answers meanwhile and afterwards
    for _ in range(50):
        assert driver.package("dependent", None).files == good.files
        state = orjson.loads(next((tmp_path / "state" / "index").glob("*/state.json")).read_bytes())
        if state.get("error"):
            break
        time.sleep(0.1)
    assert "truncated" in state["error"]
    assert driver.search_with_freshness(None, "", 5, 0)[2]["stale"] is True
    assert len(_builds(tmp_path / "state")) == 1
    with pytest.raises(UpstreamError) as cold:
        driver_for(tmp_path / "cold", server.url, extra).package("dependent", None)
    assert cold.value.status == 502 and "truncated" in cold.value.message


def test_unknown_channel_and_label_are_404(tmp_path, whole):
    _, server = whole
    driver = driver_for(tmp_path / "state", server.url, 'subdirs = ["noarch"]\n')
    with pytest.raises(NotFound) as label:
        driver.package("dependent", "dev")
    assert label.value.code == "subchannel_not_found"
    with pytest.raises(NotFound) as package:
        driver.package("numpy", None)
    assert package.value.code == "package_not_found"


def test_one_build_per_change_across_processes_and_threads(tmp_path, whole):
    root, server = whole
    settings = Settings.from_env({"STATE_DIR": str(tmp_path / "state")}, channels={})
    hosts = [HostIndexes(settings), HostIndexes(settings)]  # two processes' views of one host
    url = f"{server.url}/noarch"
    plan = Plan("c", (RepodataInput("noarch", (f"{url}/repodata.json.zst",), None),))
    versions = []

    def ask(host):
        versions.append(host.current("c", lambda: plan, ttl=1).version)

    threads = [threading.Thread(target=ask, args=(hosts[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(set(versions)) == 1 and len(versions) == 8
    assert len(_builds(tmp_path / "state")) == 1
    # the TTL passes with no upstream change: checked again, not rebuilt
    state_path = next((tmp_path / "state" / "index").glob("*/state.json"))
    checked = orjson.loads(state_path.read_bytes())["checked_at"]
    time.sleep(1.1)
    for host in hosts:
        host.current("c", lambda: plan, ttl=1)
    deadline = time.monotonic() + 30
    while orjson.loads(state_path.read_bytes())["checked_at"] == checked:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(_builds(tmp_path / "state")) == 1
    # the upstream changes: one package less (real records, one removed)
    document = json.loads((root / "noarch" / "repodata.json").read_text())
    document["packages.conda"].pop("dependent-2.0-0.conda")
    shutil.copy(root / "noarch" / "repodata.json", tmp_path / "old.json")

    (root / "noarch" / "repodata.json.zst").write_bytes(
        ZstdCompressor().compress(json.dumps(document).encode())
    )
    time.sleep(1.1)
    old = versions[0]
    seen = {host.current("c", lambda: plan, ttl=1).version for host in hosts}
    assert old in seen  # the old index answers while the new one builds
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_builds(tmp_path / "state")) < 2:
        for host in hosts:
            host.current("c", lambda: plan, ttl=1)
        time.sleep(0.05)
    time.sleep(0.5)
    for host in hosts:
        assert host.current("c", lambda: plan, ttl=5).version != old
    assert len(_builds(tmp_path / "state")) == 2


def test_a_legacy_record_is_addressed_by_its_folder(tmp_path):
    root = tmp_path / "legacy"
    shutil.copytree(CHANNELS / "main", root)
    # what the issue reports a real indexer wrote for a legacy package without a subdir in
    # its index.json: the record says "unknown", the file sits in osx-64/
    path = root / "osx-64" / "repodata.json"
    document = json.loads(path.read_text())
    document["packages"]["zlib-1.2.11-h1de35cc_3.tar.bz2"]["subdir"] = "unknown"
    path.write_text(json.dumps(document))
    driver = driver_for(tmp_path / "state", root.as_uri())
    info = driver.package("zlib", None)
    legacy = next(f for f in info.files if f.filename == "zlib-1.2.11-h1de35cc_3.tar.bz2")
    assert legacy.subdir == "osx-64" and legacy.record_subdir == "unknown"
    assert "unknown" not in {f.subdir for f in info.files}
    assert all(f.record_subdir is None for f in info.files if f is not legacy)


def test_unknown_labels_leave_nothing_on_disk(tmp_path, whole):
    _, server = whole
    driver = driver_for(tmp_path / "state", server.url, 'subdirs = ["noarch"]\n')
    for i in range(20):
        with pytest.raises(NotFound):
            driver.package("dependent", f"label-{i}")
    index = tmp_path / "state" / "index"
    assert not [p for p in index.iterdir() if p.is_dir() and not p.name.startswith(".")]


def test_with_a_shared_redis_cache_one_replica_downloads(tmp_path, whole):
    _, server = whole
    redis_process, url = start_redis(tmp_path / "redis")
    try:
        extra = 'subdirs = ["noarch"]\n'
        replicas = [
            driver_for(tmp_path / name, server.url, extra, cache_url=url) for name in ("a", "b")
        ]
        first = replicas[0].package("dependent", None)
        fetched = sum(server.hits.values())
        assert server.hits["/noarch/repodata.json.zst"] == 1
        assert replicas[1].package("dependent", None).files == first.files
        assert sum(server.hits.values()) == fetched  # replica b: all from Redis
        assert len(_builds(tmp_path / "b")) == 1  # but its own index, on its own host
    finally:
        redis_process.stop()

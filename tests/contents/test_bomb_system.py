"""Issue 20, item 3: a zstd bomb `.conda` (zlib's real info plus 16 info files of 60 MiB
zeros) on a remote channel raises no worker's memory by more than 64 MiB (the real gunicorn
workers' peak RSS, measured), and what is stored and answered stays within the documented
caps (docs/contents.md, "Bounds")."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from contents.bounded import MAX_TEXT
from contents.bounded import MAX_TEXTS
from tests.contents.bomb import BOMB_FILE_BYTES
from tests.contents.bomb import BOMB_FILES
from tests.contents.bomb import build_bomb
from tests.contents.conftest import ZLIB_CONDA
from tests.contents.rangeserver import RangeServer
from tests.processes import http_get
from tests.processes import start_system

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
MAX_RAISE = 64 * MIB
MAX_ANSWER = 8 * MIB  # the documented bound of a contents document or SBOM's JSON
CONTENTS = "/api/channels/bomb/artifacts/conda/zlib/contents?subdir=linux-64&filename="


def _workers(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


@pytest.fixture(scope="module")
def bombed(tmp_path_factory):
    """A conda channel over HTTP (range requests) whose zlib .conda is the bomb."""
    work = tmp_path_factory.mktemp("bomb")
    channel = work / "root" / "bomb"
    (channel / "noarch").mkdir(parents=True)
    (channel / "noarch" / "repodata.json").write_text('{"packages": {}}')
    (channel / "linux-64").mkdir()
    bomb = build_bomb(ZLIB_CONDA, channel / "linux-64")
    repodata = json.loads((ZLIB_CONDA.parent / "repodata.json").read_text())
    record = repodata["packages.conda"][bomb.name]
    data = bomb.read_bytes()
    record.update(
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data).hexdigest(),  # noqa: S324 - repodata's field
        size=len(data),
    )
    repodata["packages"] = {}
    (channel / "linux-64" / "repodata.json").write_text(json.dumps(repodata))
    server = RangeServer(work / "root")
    channels = work / "channels.toml"
    channels.write_text(
        f'[channels.bomb]\ndriver = "conda"\nurl = "{server.url}/bomb"\n'
        'subdirs = ["linux-64", "noarch"]\n'
    )
    system = start_system(work, {"GATEWAY_CHANNELS_FILE": str(channels)})
    yield system, bomb
    system.stop()
    server.close()


def test_a_zstd_bomb_raises_no_workers_memory_by_more_than_64_mib(bombed):
    system, bomb = bombed
    assert len(bomb.read_bytes()) < ZLIB_CONDA.stat().st_size + 64 * 1024  # about 32 kB more
    workers = [w for p in system.processes.values() for w in _workers(p.popen.pid)]
    before = {}
    for pid in workers:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak RSS starts again from now
        before[pid] = _status(pid, "VmRSS")
    answers = [
        http_get(system.gateway_url, CONTENTS + bomb.name),
        http_get(system.gateway_url, f"/bomb/linux-64/{bomb.name}.cdx.json"),
        http_get(system.gateway_url, f"/bomb/linux-64/{bomb.name}.spdx.json"),
    ]
    raised = {pid: _status(pid, "VmHWM") - rss for pid, rss in before.items()}
    assert max(raised.values()) <= MAX_RAISE, {p: r // MIB for p, r in raised.items()}
    for status, _, body in answers:
        assert status == 200, body[:300]
        assert len(body) <= MAX_ANSWER


def test_the_bombs_document_quotes_within_the_caps_and_says_so(bombed):
    system, bomb = bombed
    status, _, body = http_get(system.gateway_url, CONTENTS + bomb.name)
    assert status == 200
    document = json.loads(body)
    licenses = document["licenses"]
    assert sum(len(e["text"]) for e in licenses) <= MAX_TEXTS
    assert max(len(e["text"]) for e in licenses) <= MAX_TEXT
    zeros = [e for e in licenses if "zeros-" in e["path"]]
    assert len(zeros) == BOMB_FILES
    assert all(e["truncated"] and e["size"] == BOMB_FILE_BYTES for e in zeros)
    assert document["limits"] == {"text": MAX_TEXT, "texts": MAX_TEXTS}
    stored = sum(p.stat().st_size for p in system.state_dir.glob("contents.sqlite*"))  # + WAL
    assert 0 < stored <= MAX_ANSWER
    assert document["archive"]["read"] == "range"

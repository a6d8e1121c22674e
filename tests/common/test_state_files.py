"""Files made once in STATE_DIR: private, first writer wins, never half-written."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

from common.state_files import create_once


def test_the_first_writer_wins_and_the_file_is_private(tmp_path):
    path = tmp_path / "state" / "key"
    assert create_once(path, lambda: b"first", "a key")
    assert not create_once(path, lambda: b"second", "a key")
    assert path.read_bytes() == b"first"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["key"]  # no temporary file left


def test_racing_writers_agree_on_one_whole_file(tmp_path):
    path = tmp_path / "key"
    with ThreadPoolExecutor(16) as pool:
        created = list(
            pool.map(lambda i: create_once(path, lambda: b"%d" % i * 1000, "k"), range(64))
        )
    assert created.count(True) == 1
    body = path.read_bytes()
    assert len(body) >= 1000 and body == body[: len(body) // 1000] * 1000

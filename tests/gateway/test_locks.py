"""File locks: one holder per key across processes, and a bounded number of lock files."""

import multiprocessing

from gateway import locks
from gateway.locks import FileLocks


def _hold_briefly(folder, key, queue):
    with FileLocks(folder).hold(key, 0) as acquired:
        queue.put(acquired)


def test_a_held_key_is_refused_to_another_process(tmp_path):
    held = FileLocks(tmp_path)
    queue = multiprocessing.get_context("spawn").Queue()
    with held.hold("https://example.org/a", 1) as acquired:
        assert acquired
        process = multiprocessing.get_context("spawn").Process(
            target=_hold_briefly, args=(tmp_path, "https://example.org/a", queue)
        )
        process.start()
        process.join(30)
        assert queue.get(timeout=5) is False
    with held.hold("https://example.org/a", 0) as acquired:
        assert acquired


def test_any_number_of_keys_leaves_a_bounded_number_of_files(tmp_path, monkeypatch):
    monkeypatch.setattr(locks, "LOCK_STRIPES", 16)
    files = FileLocks(tmp_path)
    for i in range(300):
        with files.hold(f"https://conda.example.org/channel-{i}/noarch/x", 1) as acquired:
            assert acquired
    assert 1 <= len(list(tmp_path.glob("*.lock"))) <= 16

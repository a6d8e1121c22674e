"""Reading real archives: local, whole download, and HTTP range reads against a loopback
server; digests checked against repodata; the shared store keeps documents for ever."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil

import pytest

from common.errors import ArchiveIntegrityError
from common.errors import NotFound
from common.errors import UpstreamError
from common.settings import Settings
from contents import ContentsService
from contents.archive import ArchiveMismatch
from contents.archive import read_download
from contents.archive import read_local
from contents.archive import read_members
from contents.archive import read_range
from contents.bounded import MAX_INFO_TOTAL
from contents.bounded import MAX_TEXT
from contents.bounded import MAX_TEXTS
from contents.info import parse_info
from tests.contents.bomb import BOMB_FILE_BYTES
from tests.contents.bomb import BOMB_FILES
from tests.contents.bomb import build_bomb
from tests.contents.conftest import ZLIB_BZ2
from tests.contents.conftest import ZLIB_CONDA
from tests.contents.conftest import archives
from tests.contents.conftest import held_differently
from tests.contents.conftest import local_ref
from tests.contents.conftest import record_of
from tests.contents.rangeserver import RangeServer

TIMEOUT = (2.0, 10.0)
LIMIT = 64 * 1024 * 1024


@pytest.fixture
def server():
    running = RangeServer(ZLIB_CONDA.parent.parent)  # serves the `main` channel folder
    yield running
    running.close()


def remote_ref(server: RangeServer, path=ZLIB_CONDA, **changes):
    url = f"{server.url}/{path.parent.name}/{path.name}"
    return local_ref(path, url=url, **changes)


@pytest.mark.parametrize("path", archives(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_local_archive_is_verified_and_every_file_checked(path):
    document = read_local(local_ref(path))
    archive = document["archive"]
    assert archive["sha256_verified"] and archive["size_verified"] and archive["files_hashed"]
    assert archive["sha256"] == record_of(path)["sha256"]
    assert archive["sha512"] == hashlib.sha512(path.read_bytes()).hexdigest()
    # what differs from paths.json is what an independent extraction (tarfile) finds
    differing = held_differently(path)
    assert sorted(archive["mismatched_paths"]) == differing
    assert archive["files_mismatched"] == len(differing) and archive["listed_not_shipped"] == []
    assert document["path_count"] == len(document["paths"])
    # every listed file got a SHA-1 (SPDX needs one), softlinks their target's
    assert all(entry.get("sha1") for entry in document["paths"])


def test_a_changed_byte_is_a_digest_mismatch(tmp_path):
    tampered = tmp_path / ZLIB_CONDA.name
    data = bytearray(ZLIB_CONDA.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit, same size
    tampered.write_bytes(bytes(data))
    ref = local_ref(ZLIB_CONDA, url=tampered.as_uri())
    with pytest.raises(ArchiveMismatch) as caught:
        read_local(ref)
    assert caught.value.what == "the archive's sha256"
    assert caught.value.expected == record_of(ZLIB_CONDA)["sha256"]


def test_range_reads_fetch_only_the_info_member_and_say_the_digest_is_unchecked(server):
    document = read_range(remote_ref(server), TIMEOUT, LIMIT)
    size = ZLIB_CONDA.stat().st_size
    sent = server.bytes_sent[f"/linux-64/{ZLIB_CONDA.name}"]
    assert sent == document["archive"]["bytes_fetched"]
    assert sent < size * 0.3, f"{sent} of {size} bytes"
    assert all(h.startswith("bytes=") for h in server.range_headers)
    archive = document["archive"]
    assert archive["read"] == "range" and archive["size_verified"]
    assert not archive["sha256_verified"] and not archive["files_hashed"]
    assert any("archive digest not verified" in note for note in document["notes"])
    # the same info as a whole, verified read
    whole = read_local(local_ref(ZLIB_CONDA))
    assert [(p["path"], p["sha256"]) for p in document["paths"]] == [
        (p["path"], p["sha256"]) for p in whole["paths"]
    ]
    assert document["licenses"] == whole["licenses"]


def test_range_reads_check_the_size(server):
    path = f"/linux-64/{ZLIB_CONDA.name}"
    server.overrides[path] = ZLIB_CONDA.read_bytes() + b"\0"
    with pytest.raises(ArchiveMismatch) as caught:
        read_range(remote_ref(server), TIMEOUT, LIMIT)
    assert caught.value.what == "the archive's size"


def test_a_server_without_ranges_gets_a_whole_verified_download(tmp_path):
    server = RangeServer(ZLIB_CONDA.parent.parent, ranges=False)
    try:
        document = read_range(remote_ref(server), TIMEOUT, LIMIT)
    finally:
        server.close()
    assert document["archive"]["read"] == "download"
    assert document["archive"]["sha256_verified"]


def test_whole_downloads_verify_and_refuse_a_tampered_file(server):
    document = read_download(remote_ref(server, ZLIB_BZ2), TIMEOUT, LIMIT)
    assert document["archive"]["sha256_verified"]
    assert document["archive"]["bytes_fetched"] == ZLIB_BZ2.stat().st_size
    data = bytearray(ZLIB_BZ2.read_bytes())
    data[100] ^= 0xFF
    server.overrides[f"/linux-64/{ZLIB_BZ2.name}"] = bytes(data)
    with pytest.raises(ArchiveMismatch):
        read_download(remote_ref(server, ZLIB_BZ2), TIMEOUT, LIMIT)


def _service(tmp_path, **values) -> ContentsService:
    settings = Settings.from_env({"STATE_DIR": str(tmp_path)}, with_channels=False, **values)
    return ContentsService(settings)


def test_the_service_reads_once_and_keeps_documents_in_sqlite(tmp_path):
    service = _service(tmp_path)
    first = service.get(local_ref(ZLIB_CONDA))
    assert service.get(local_ref(ZLIB_CONDA)) == first
    assert (service.stats.reads, service.stats.memory_hits) == (1, 1)
    other = _service(tmp_path)  # another worker: the SQLite file in STATE_DIR has it
    assert other.get(local_ref(ZLIB_CONDA)) == first
    assert (other.stats.reads, other.stats.store_hits) == (0, 1)


def test_the_service_maps_failures_to_clear_errors(tmp_path):
    service = _service(tmp_path)
    copy = tmp_path / ZLIB_CONDA.name
    shutil.copy(ZLIB_CONDA, copy)
    with copy.open("r+b") as handle:
        handle.seek(2000)
        handle.write(b"X")
    with pytest.raises(ArchiveIntegrityError) as caught:
        service.get(local_ref(ZLIB_CONDA, url=copy.as_uri()), "main/linux-64/zlib")
    assert caught.value.status == 502 and caught.value.code == "archive_digest_mismatch"
    assert "does not match the channel's repodata" in caught.value.message
    assert (
        "main/linux-64/zlib" in caught.value.message and str(tmp_path) not in caught.value.message
    )
    with pytest.raises(NotFound) as missing:
        service.get(local_ref(ZLIB_CONDA, url=(tmp_path / "gone.conda").as_uri()))
    assert missing.value.code == "contents_unavailable"
    # a failed read stores nothing
    assert service.store.get(record_of(ZLIB_CONDA)["sha256"]) is None


def test_full_mode_does_not_trust_a_range_read(tmp_path, server):
    ranged = _service(tmp_path)
    assert not ranged.get(remote_ref(server))["archive"]["sha256_verified"]
    full = _service(tmp_path, contents_mode="full")
    document = full.get(remote_ref(server))
    assert document["archive"]["sha256_verified"] and full.stats.reads == 1
    # and the verified document now serves the range mode too, without a read
    again = _service(tmp_path)
    assert again.get(remote_ref(server))["archive"]["sha256_verified"] and again.stats.reads == 0


def test_bad_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="CONTENTS_MODE"):
        _service(tmp_path, contents_mode="sometimes")


def test_settings_read_the_contents_mode():
    settings = Settings.from_env({"CONTENTS_MODE": "full"}, with_channels=False)
    assert dataclasses.replace(settings).contents_mode == "full"


@pytest.mark.integration
def test_redis_keeps_documents_for_every_replica(tmp_path):
    from tests.processes import start_redis

    redis_process, url = start_redis(tmp_path / "redis")
    try:
        first = _service(tmp_path / "a", cache_url=url)
        document = first.get(local_ref(ZLIB_CONDA))
        other = _service(tmp_path / "b", cache_url=url)  # another replica, same Redis
        assert other.get(local_ref(ZLIB_CONDA)) == document
        assert (other.stats.reads, other.stats.store_hits) == (0, 1)
        assert not (tmp_path / "b" / "contents.sqlite").exists()
    finally:
        redis_process.stop()
    # Redis gone: reads still work, uncached
    down = _service(tmp_path / "c", cache_url=url)
    assert down.get(local_ref(ZLIB_CONDA))["archive"]["sha256_verified"]
    assert down.stats.reads == 1


def test_a_failed_read_is_remembered_for_a_while_not_downloaded_again(tmp_path, server):
    path = f"/{ZLIB_CONDA.parent.name}/{ZLIB_CONDA.name}"
    server.overrides[path] = b"this is not a conda package" + bytes(ZLIB_CONDA.stat().st_size - 27)
    service = _service(tmp_path)
    for _ in range(3):
        with pytest.raises(UpstreamError) as caught:
            service.get(remote_ref(server))
        assert caught.value.code == "contents_unreadable"
    assert service.stats.reads == 1
    forgetful = _service(tmp_path, contents_failure_ttl=0)
    for _ in range(2):
        with pytest.raises(UpstreamError):
            forgetful.get(remote_ref(server))
    assert forgetful.stats.reads == 2


def test_a_zstd_bomb_is_read_within_the_bounds_and_says_what_it_cut(tmp_path):
    bomb = build_bomb(ZLIB_CONDA, tmp_path)
    info, _ = read_members(bomb, bomb.name)
    zeros = hashlib.sha256()
    for _ in range(BOMB_FILE_BYTES // (1 << 20)):
        zeros.update(bytes(1 << 20))
    bombs = [n for n in info.listed if "zeros-" in n]
    assert len(bombs) == BOMB_FILES
    assert all(info.digests[n] == (zeros.hexdigest(), BOMB_FILE_BYTES) for n in bombs)
    assert info.kept <= MAX_INFO_TOTAL
    document = parse_info(info.data, digests=info.digests, listed=info.listed)
    texts = [entry["text"] for entry in document["licenses"]]
    assert sum(map(len, texts)) <= MAX_TEXTS and max(map(len, texts)) <= MAX_TEXT
    cut = [e for e in document["licenses"] if "zeros-" in e["path"]]
    assert all(e["truncated"] and e["size"] == BOMB_FILE_BYTES for e in cut)
    # zlib's own facts are all still there
    plain = read_local(local_ref(ZLIB_CONDA))
    # (a whole read adds what it checked against the members: sha1, archive_type, ...)
    assert len(document["paths"]) == len(plain["paths"])
    assert document["paths"] == [
        {k: p[k] for k in entry} for entry, p in zip(document["paths"], plain["paths"], strict=True)
    ]
    assert document["about"] == plain["about"] and document["index"] == plain["index"]


def test_a_whole_read_can_be_asked_for_where_ranges_would_do(tmp_path, server):
    service = _service(tmp_path)  # CONTENTS_MODE=range, the default
    ranged = service.get(remote_ref(server))
    assert ranged["archive"]["read"] == "range" and ranged["archive"]["sha512"] is None
    whole = service.get(remote_ref(server), mode="full")
    assert whole["archive"]["read"] == "download" and whole["archive"]["sha256_verified"]
    assert whole["archive"]["sha512"] == hashlib.sha512(ZLIB_CONDA.read_bytes()).hexdigest()
    # the verified document now answers for these bytes, whatever the mode
    assert service.get(remote_ref(server))["archive"]["sha512"] == whole["archive"]["sha512"]

"""CEP-16 decoding on the real fixture, py-rattler's output and the format's variations."""

import json

import msgpack
import pytest
import zstandard

from gateway.shards.format import ShardFormatError
from gateway.shards.format import check_msgpack_zst
from gateway.shards.format import decode_index
from gateway.shards.format import decode_shard
from gateway.shards.format import decompress
from gateway.shards.format import sha256_hex
from tests.conftest import CHANNELS
from tests.conftest import DATA
from tests.gateway.channels import rattler_channel

FIXTURE = DATA / "sharded" / "conda-format-repo" / "linux-64"
INDEX_URL = "https://conda.example.org/main/linux-64/repodata_shards.msgpack.zst"


def _raw_index() -> dict:
    return msgpack.unpackb(
        decompress((FIXTURE / "repodata_shards.msgpack.zst").read_bytes(), 10**8)
    )


def _pack(document: dict) -> bytes:
    return zstandard.ZstdCompressor().compress(msgpack.packb(document))


def test_the_real_fixture_matches_the_whole_repodata_of_the_same_subdir():
    index = decode_index((FIXTURE / "repodata_shards.msgpack.zst").read_bytes(), INDEX_URL)
    assert sorted(index.shards) == ["libgcc-ng", "zlib"]
    assert index.shards_base_url == "https://conda.example.org/main/linux-64/"  # empty: beside
    whole = json.loads((CHANNELS / "main" / "linux-64" / "repodata.json").read_text())
    for name, digest in index.shards.items():
        data = (FIXTURE / f"{digest}.msgpack.zst").read_bytes()
        assert sha256_hex(data) == digest  # content-addressed: the name is the hash
        records = decode_shard(data, digest)
        expected = {
            filename: record
            for key in ("packages", "packages.conda")
            for filename, record in whole[key].items()
            if record["name"] == name
        }
        assert records == expected


def test_py_rattler_shape_relative_base_bytes_hashes_no_version(tmp_path):
    sharded, whole = rattler_channel("main", tmp_path)
    data = (sharded / "linux-64" / "repodata_shards.msgpack.zst").read_bytes()
    raw = msgpack.unpackb(decompress(data, 10**8))
    assert "version" not in raw and raw["info"]["shards_base_url"] == "./shards/"
    assert all(isinstance(h, bytes) for h in raw["shards"].values())
    index = decode_index(data, INDEX_URL)
    assert index.shard_url("zlib") == (
        f"https://conda.example.org/main/linux-64/shards/{index.shards['zlib']}.msgpack.zst"
    )
    shard = (sharded / "linux-64" / "shards" / f"{index.shards['zlib']}.msgpack.zst").read_bytes()
    records = decode_shard(shard, index.shards["zlib"])
    repodata = json.loads((whole / "linux-64" / "repodata.json").read_text())
    for filename, record in records.items():
        group = "packages.conda" if filename.endswith(".conda") else "packages"
        assert record["sha256"] == repodata[group][filename]["sha256"]  # bytes -> hex
        assert record["md5"] == repodata[group][filename]["md5"]
    assert any("run_exports" in record for record in records.values())


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("", "https://conda.example.org/main/linux-64/"),
        ("./shards/", "https://conda.example.org/main/linux-64/shards/"),
        ("../shards/linux-64", "https://conda.example.org/main/shards/linux-64/"),
        ("https://cdn.example.net/s/", "https://cdn.example.net/s/"),
    ],
)
def test_shards_base_url_empty_relative_or_absolute(base, expected):
    document = _raw_index()
    document["info"]["shards_base_url"] = base
    assert decode_index(_pack(document), INDEX_URL).shards_base_url == expected


def test_hex_hashes_missing_version_and_unknown_keys_are_accepted():
    document = _raw_index()
    document.pop("version")
    document["shards"] = {name: digest.hex() for name, digest in document["shards"].items()}
    document["v3"] = {"conda": {}, "whl": {}}
    document["info"]["repodata_revisions"] = [1]
    index = decode_index(_pack(document), INDEX_URL)
    assert (
        index.shards["zlib"] == "56a0c19b47ba1a2d0f1390eda489b1c49a00d35814571057e6d81e0c93dfd157"
    )


def test_an_unknown_index_version_is_refused():
    document = _raw_index()
    document["version"] = 2
    with pytest.raises(ShardFormatError, match="version 2"):
        decode_index(_pack(document), INDEX_URL)


def test_truncated_zst_is_a_clear_error():
    data = (FIXTURE / "repodata_shards.msgpack.zst").read_bytes()
    with pytest.raises(ShardFormatError, match="truncated"):
        decode_index(data[:-8], INDEX_URL)
    assert "truncated" in check_msgpack_zst(data[:-8])
    assert check_msgpack_zst(data) is None


def test_a_shard_that_does_not_hash_to_its_name_is_refused():
    zlib = "56a0c19b47ba1a2d0f1390eda489b1c49a00d35814571057e6d81e0c93dfd157"
    libgcc = (
        FIXTURE / "2dcdacf7009b4f1c21f452c5079384340257e0e1cbecb8ec484984d1fa85b115.msgpack.zst"
    )
    with pytest.raises(ShardFormatError, match="not the named shard"):
        decode_shard(libgcc.read_bytes(), zlib)


def test_removed_files_are_left_out():
    data = FIXTURE / "56a0c19b47ba1a2d0f1390eda489b1c49a00d35814571057e6d81e0c93dfd157.msgpack.zst"
    document = msgpack.unpackb(decompress(data.read_bytes(), 10**8))
    document["removed"] = ["zlib-1.2.11-h7b6447c_3.tar.bz2"]
    packed = _pack(document)
    assert list(decode_shard(packed, sha256_hex(packed))) == ["zlib-1.2.11-h7b6447c_3.conda"]


def test_decompression_is_bounded():
    bomb = zstandard.ZstdCompressor().compress(b"\0" * 200_000)
    with pytest.raises(ShardFormatError, match="more than"):
        decompress(bomb, 100_000)

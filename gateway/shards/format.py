"""CEP-16 sharded repodata: decoding the index and the shards, with the format's variations.

The index is zstd(msgpack({version?, info: {base_url, shards_base_url, subdir, ...},
shards: {name: sha256}})); a shard is zstd(msgpack({packages, packages.conda, removed?, ...})),
named by the sha256 of its compressed bytes. Hashes come as 32 raw bytes or as hex strings,
`version`, `run_exports`, `v3` and `removed` may be missing or present; unknown keys are ignored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urljoin

import msgpack
import zstandard

# conda's limits (conda/_private/shards): a shard decompresses to at most 64 MiB, an index 128 MiB
MAX_SHARD_BYTES = 64 * 1024 * 1024
MAX_INDEX_BYTES = 128 * 1024 * 1024
_HEX = frozenset("0123456789abcdef")


class ShardFormatError(ValueError):
    """Bytes that are not a valid CEP-16 index or shard (truncated, wrong hash, wrong shape)."""


@dataclass(frozen=True)
class ShardIndex:
    """A subdir's shard index: package name -> lower-hex sha256, and where the shards live."""

    subdir: str
    shards: dict[str, str]
    shards_base_url: str  # absolute, ends with "/"
    base_url: str  # absolute base for package downloads, ends with "/"

    def shard_url(self, name: str) -> str | None:
        """Where the shard of `name` lives, or None when the index does not name it."""
        digest = self.shards.get(name)
        return None if digest is None else f"{self.shards_base_url}{digest}.msgpack.zst"


def decompress(data: bytes, limit: int) -> bytes:
    """zstd-decompress `data` (at most `limit` bytes out); truncated or corrupt input raises."""
    decompressor = zstandard.ZstdDecompressor().decompressobj()
    out = bytearray()
    try:
        for start in range(0, len(data), 65536):
            out += decompressor.decompress(data[start : start + 65536])
            if len(out) > limit:
                raise ShardFormatError(f"decompresses to more than {limit} bytes")
    except zstandard.ZstdError as error:
        raise ShardFormatError(f"not a valid zstd stream ({error})") from error
    if not decompressor.eof:
        raise ShardFormatError("the zstd stream is truncated")
    return bytes(out)


def check_zst(data: bytes, limit: int) -> str | None:
    """What is wrong with `data` as a complete zstd stream (output discarded), or None."""
    decompressor = zstandard.ZstdDecompressor().decompressobj()
    size = 0
    try:
        for start in range(0, len(data), 1 << 20):
            size += len(decompressor.decompress(data[start : start + (1 << 20)]))
            if size > limit:
                return f"decompresses to more than {limit} bytes"
    except zstandard.ZstdError as error:
        return f"not a valid zstd stream ({error})"
    return None if decompressor.eof else "the zstd stream is truncated"


def _unpack(data: bytes, what: str) -> dict:
    try:
        document = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except (ValueError, msgpack.UnpackException, msgpack.ExtraData) as error:
        raise ShardFormatError(f"the {what} is not valid msgpack ({error})") from error
    if not isinstance(document, dict):
        raise ShardFormatError(f"the {what} is not a msgpack map")
    return document


def check_msgpack_zst(data: bytes) -> str | None:
    """What is wrong with `data` as a zstd-compressed msgpack map, or None if nothing."""
    try:
        _unpack(decompress(data, MAX_INDEX_BYTES), "document")
    except ShardFormatError as error:
        return str(error)
    return None


def hex_digest(value: object) -> str | None:
    """A sha256/md5 given as raw bytes or as a hex string, as lower-case hex (None if neither)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, str) and value and set(value.lower()) <= _HEX:
        return value.lower()
    return None


def _directory(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def decode_index(data: bytes, index_url: str) -> ShardIndex:
    """Parse a `repodata_shards.msgpack.zst` fetched from `index_url`."""
    document = _unpack(decompress(data, MAX_INDEX_BYTES), "shard index")
    version = document.get("version", 1)
    if version != 1:
        raise ShardFormatError(f"shard index version {version!r} is not supported")
    raw = document.get("shards")
    if not isinstance(raw, dict):
        raise ShardFormatError("the shard index has no `shards` map")
    shards = {}
    for name, digest in raw.items():
        hexed = hex_digest(digest)
        if not isinstance(name, str) or hexed is None or len(hexed) != 64:
            raise ShardFormatError(f"the shard index has a bad entry for {name!r}")
        shards[name] = hexed
    info = document.get("info") or {}
    here = index_url.rsplit("/", 1)[0] + "/"
    # empty or missing: next to the index; relative: against the index URL; absolute: as is
    shards_base = urljoin(here, str(info.get("shards_base_url") or ""))
    base = urljoin(here, str(info.get("base_url") or ""))
    return ShardIndex(
        subdir=str(info.get("subdir") or ""),
        shards=shards,
        shards_base_url=_directory(shards_base),
        base_url=_directory(base),
    )


def sha256_hex(data: bytes) -> str:
    """The lower-hex sha256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def decode_shard(data: bytes, expected_sha256: str) -> dict[str, dict]:
    """A shard's records by file name (`packages` and `packages.conda`, minus `removed`).

    The shard must hash to the name the index gave it; hashes inside records become hex.
    """
    actual = sha256_hex(data)
    if actual != expected_sha256:
        raise ShardFormatError(
            f"shard {expected_sha256[:12]}... has sha256 {actual[:12]}...: not the named shard"
        )
    document = _unpack(decompress(data, MAX_SHARD_BYTES), "shard")
    removed = set(document.get("removed") or ())
    records: dict[str, dict] = {}
    for key in ("packages", "packages.conda"):
        group = document.get(key) or {}
        if not isinstance(group, dict):
            raise ShardFormatError(f"the shard's {key!r} is not a map")
        for filename, record in group.items():
            if filename in removed or not isinstance(record, dict):
                continue
            records[filename] = normalize_record(record)
    return records


def normalize_record(record: dict) -> dict:
    """A shard record in repodata.json's shape: md5/sha256 as hex strings."""
    fixed = dict(record)
    for key in ("md5", "sha256"):
        if key in fixed:
            fixed[key] = hex_digest(fixed[key])
    return fixed

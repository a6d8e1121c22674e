"""CEP-16 sharded repodata: a subdir's shard index, and each package's shard by its sha256.

One small interface for the `conda` driver:
- `ShardReader.index(subdir_url, ...)`: the subdir's ShardIndex (through the upstream fetcher
  and its HTTP cache, revalidated by the channel's TTL), or None when the subdir publishes none;
- `ShardReader.records(index, name, ...)`: the package's records by file name, from its shard.

Shards are content-addressed: each is fetched once per host, checked (sha256 of its bytes ==
its name) before use, and kept on disk for good (`STATE_DIR/shards/`) with a small in-memory
LRU of decoded shards per worker.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from cachetools import LRUCache

from common.errors import UpstreamInvalid
from gateway.locks import FileLocks
from gateway.shards.format import ShardFormatError
from gateway.shards.format import ShardIndex
from gateway.shards.format import decode_index
from gateway.shards.format import decode_shard

if TYPE_CHECKING:  # the fetcher's module imports shards.format (below the HTTP cache)
    from gateway.upstream import UpstreamFetcher

__all__ = ["INDEX_NAME", "ShardIndex", "ShardReader", "ShardStore"]

log = logging.getLogger(__name__)

INDEX_NAME = "repodata_shards.msgpack.zst"
MEMORY_SHARDS = 512  # decoded shards kept per worker (most are a few kB)


class ShardStore:
    """Shards on disk by sha256, verified before they are written or used."""

    def __init__(self, folder: Path, lock_wait: float = 10.0):
        self.folder = folder
        self.lock_wait = lock_wait
        self._locks = FileLocks(folder / ".locks")
        self._memory: LRUCache[str, dict[str, dict]] = LRUCache(maxsize=MEMORY_SHARDS)
        self._guard = threading.Lock()

    def path(self, digest: str) -> Path:
        """Where the shard named `digest` lives on disk."""
        return self.folder / digest[:2] / f"{digest}.msgpack.zst"

    def _decoded(self, digest: str) -> dict[str, dict] | None:
        with self._guard:
            return self._memory.get(digest)

    def _keep(self, digest: str, records: dict[str, dict]) -> None:
        with self._guard:
            self._memory[digest] = records

    def _from_disk(self, digest: str) -> dict[str, dict] | None:
        path = self.path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return decode_shard(data, digest)
        except ShardFormatError:
            log.warning("shard %s on disk is damaged; fetching it again", digest[:12])
            path.unlink(missing_ok=True)
            return None

    def write(self, digest: str, data: bytes) -> dict[str, dict]:
        """Check `data` is the shard `digest`, store it atomically and return its records."""
        records = decode_shard(data, digest)
        path = self.path(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        return records

    def get(self, digest: str, fetch) -> dict[str, dict]:
        """The records of shard `digest`: memory, then disk, then `fetch()` (once per host)."""
        records = self._decoded(digest)
        if records is None:
            records = self._from_disk(digest)
        if records is None:
            with self._locks.hold(digest, self.lock_wait):
                records = self._from_disk(digest)  # another worker may have just fetched it
                if records is None:
                    records = self.write(digest, fetch())
        self._keep(digest, records)
        return records


class ShardReader:
    """Reads sharded subdirs through the upstream fetcher and the shard store."""

    def __init__(self, fetcher: UpstreamFetcher, store: ShardStore):
        self.fetcher = fetcher
        self.store = store

    def index(
        self, subdir_url: str, *, ttl: int, channel: str, credential: str = ""
    ) -> ShardIndex | None:
        """The subdir's shard index, or None when it publishes none (404)."""
        from gateway.upstream import UndecodableDocument
        from gateway.upstream import UpstreamMissing

        url = f"{subdir_url}/{INDEX_NAME}"

        def decode(data: bytes) -> ShardIndex:
            try:
                return decode_index(data, url)
            except ShardFormatError as error:
                raise UndecodableDocument(f"shard index: {error}") from error

        try:
            index, _ = self.fetcher.get(
                url,
                ttl=ttl,
                channel=channel,
                parse=lambda document: document,
                credential=credential,
                decode=decode,
            )
        except UpstreamMissing:
            return None
        return index

    def _good_path(self, index: ShardIndex, name: str) -> Path:
        key = hashlib.sha256(f"{index.shards_base_url}\0{name}".encode()).hexdigest()[:32]
        return self.store.folder / "good" / key[:2] / key

    def records(
        self, index: ShardIndex, name: str, *, channel: str, credential: str = ""
    ) -> dict[str, dict]:
        """The records of package `name` in this subdir by file name ({} if not in the index).

        When the shard the index names is missing or bad, the last good shard of the package
        (remembered on disk, for every worker of the host) keeps serving; with none, a clear
        UpstreamInvalid.
        """
        digest = index.shards.get(name)
        if digest is None:
            return {}
        good = self._good_path(index, name)
        try:
            records = self._records(index, name, digest, channel, credential)
        except UpstreamInvalid as error:
            try:
                previous = good.read_text().strip()
            except FileNotFoundError:
                previous = digest
            if previous == digest or not self.store.path(previous).is_file():
                raise error from None
            log.warning("channel %s: serving the last good shard of %s", channel, name)
            return self.store.get(previous, lambda: b"")
        try:
            remembered = good.read_text().strip()
        except FileNotFoundError:
            remembered = None
        if remembered != digest:
            good.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=good.parent, prefix=".tmp-")
            with os.fdopen(fd, "w") as handle:
                handle.write(digest)
            os.replace(temporary, good)
        return records

    def _records(self, index, name, digest, channel, credential) -> dict[str, dict]:
        from gateway.upstream import UpstreamMissing

        url = index.shard_url(name)

        def fetch() -> bytes:
            try:
                return self.fetcher.get_immutable(url, channel=channel, credential=credential)
            except UpstreamMissing:
                raise UpstreamInvalid(
                    f"the shard index of channel {channel!r} names a shard for {name!r} "
                    "that the upstream does not have",
                    code="upstream_shard_missing",
                    details={"channel": channel},
                ) from None

        try:
            return self.store.get(digest, fetch)
        except ShardFormatError as error:
            log.warning("channel %s: shard for %s refused: %s", channel, name, error)
            raise UpstreamInvalid(
                f"the upstream of channel {channel!r} sent a bad shard for {name!r}: {error}",
                code="upstream_shard_invalid",
                details={"channel": channel},
            ) from None

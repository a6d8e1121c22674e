"""The `conda` driver: a plain conda channel over file:// or http(s)://.

Each subdir is read the cheapest way it is published: CEP-16 shards when the subdir has a
`repodata_shards.msgpack.zst` (a package look-up costs the index and that package's shard),
else whole repodata (`repodata.json.zst`, then `repodata.json`), indexed once per change per
host into an on-disk index that every worker reads (gateway.hostindex). A file is addressed by
the subdir folder it is served from, whatever its record says.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from cachetools import LRUCache

from common.channels import ChannelConfig
from common.errors import NotFound
from common.errors import UpstreamError
from gateway.hostindex import LiveIndex
from gateway.hostindex import Plan
from gateway.hostindex import RepodataInput
from gateway.hostindex import ShardsInput
from gateway.hostindex import host_indexes
from gateway.hostindex.refresh import NoSubdirs
from gateway.models import PackageFile
from gateway.models import PackageInfo
from gateway.records import is_record
from gateway.records import package_file
from gateway.records import timestamp_seconds
from gateway.shards import ShardIndex
from gateway.shards import ShardReader
from gateway.shards import ShardStore
from gateway.upstream import UpstreamFetcher
from gateway.upstream import UpstreamMissing

__all__ = ["COMMON_SUBDIRS", "CondaDriver", "parse_repodata", "timestamp_seconds"]

log = logging.getLogger(__name__)

# Tried when neither the config nor channeldata.json names the subdirs.
COMMON_SUBDIRS = (
    "noarch",
    "linux-64",
    "linux-aarch64",
    "linux-ppc64le",
    "osx-64",
    "osx-arm64",
    "win-64",
)
_DESCRIPTIVE = ("summary", "description", "license", "home", "dev_url", "doc_url")
MEMORY_PACKAGES = 2048  # PackageInfo objects kept per driver (per worker)
_NO_CHANNELDATA: dict = {"subdirs": (), "facts": {}}  # one object: a stable cache key


def parse_repodata(document: dict, download_base: str | None) -> list[PackageFile]:
    """The package files of one repodata.json (both `packages` and `packages.conda`)."""
    info = document.get("info") or {}
    base = info.get("base_url") or download_base
    folder = info.get("subdir", "")
    return [
        package_file(filename, record, folder or str(record.get("subdir") or ""), base)
        for key in ("packages", "packages.conda")
        for filename, record in (document.get(key) or {}).items()
        if is_record(record)
    ]


def _text(value: object) -> str | None:
    if value is None or value == "" or value == "None":
        return None
    return str(value)


def descriptive_facts(channeldata: dict) -> dict[str, dict]:
    """Each package's descriptive facts from channeldata.json, with empty values dropped."""
    facts = {}
    for name, entry in (channeldata.get("packages") or {}).items():
        if isinstance(entry, dict):
            kept = {key: _text(entry.get(key)) for key in _DESCRIPTIVE}
            facts[name] = {key: value for key, value in kept.items() if value is not None}
    return facts


@dataclass(frozen=True)
class _Layout:
    """What one look at the channel found: its subdirs, and which of them are sharded."""

    subdirs: tuple[str, ...]
    facts: dict[str, dict]
    sharded: dict[str, ShardIndex]


class CondaDriver:
    """A plain conda channel (whole or sharded repodata)."""

    def __init__(self, channel: ChannelConfig, fetcher: UpstreamFetcher):
        self.channel = channel
        self.fetcher = fetcher
        settings = fetcher.settings
        self.indexes = host_indexes(settings, fetcher.breakers, fetcher)
        self.shards = ShardReader(fetcher, ShardStore(settings.state_dir / "shards"))
        self._lock = threading.Lock()
        self._packages: LRUCache[tuple, PackageInfo] = LRUCache(maxsize=MEMORY_PACKAGES)

    # where things are -----------------------------------------------------------------------

    def _base(self, subchannel: str | None) -> str:
        return f"{self.channel.url}/label/{subchannel}" if subchannel else self.channel.url

    def _download_base(self, subchannel: str | None, subdir: str) -> str | None:
        if self.channel.download_url:
            label = f"/label/{subchannel}" if subchannel else ""
            return f"{self.channel.download_url}{label}/{subdir}"
        if self.channel.url.startswith(("http://", "https://")):
            return f"{self._base(subchannel)}/{subdir}"
        return None

    def _key(self, subchannel: str | None) -> str:
        return f"{self.channel.name}|{self._base(subchannel)}"

    def _channeldata(self, subchannel: str | None) -> dict:
        """{"subdirs": [...], "facts": {name: {...}}} from channeldata.json ({} if none)."""
        if not self.channel.channeldata:
            return _NO_CHANNELDATA
        try:
            document, _ = self.fetcher.get(
                f"{self._base(subchannel)}/channeldata.json",
                ttl=self.channel.ttl,
                channel=self.channel.name,
                parse=lambda d: {
                    "subdirs": tuple(d.get("subdirs") or ()),
                    "facts": descriptive_facts(d),
                },
                credential=self.channel.credential,
            )
        except UpstreamMissing:
            return _NO_CHANNELDATA
        except UpstreamError:
            # channeldata only adds descriptions (and maybe subdirs): carry on without it
            log.warning("channel %s: channeldata.json unavailable", self.channel.name)
            return _NO_CHANNELDATA
        return document

    def _layout(self, subchannel: str | None) -> _Layout:
        channeldata = self._channeldata(subchannel)
        subdirs = self.channel.subdirs or channeldata.get("subdirs") or COMMON_SUBDIRS
        sharded = {}
        if self.channel.shards:
            for subdir in subdirs:
                index = self.shards.index(
                    f"{self._base(subchannel)}/{subdir}",
                    ttl=self.channel.ttl,
                    channel=self.channel.name,
                    credential=self.channel.credential,
                )
                if index is not None:
                    sharded[subdir] = index
        return _Layout(tuple(subdirs), channeldata["facts"], sharded)

    def _plan(self, subchannel: str | None, layout: _Layout) -> Plan:
        base = self._base(subchannel)
        if layout.sharded:
            inputs = tuple(
                ShardsInput(subdir, index, self._shard_download_base(subchannel, subdir, index))
                for subdir, index in layout.sharded.items()
            )
        else:
            inputs = tuple(
                RepodataInput(
                    subdir,
                    (f"{base}/{subdir}/repodata.json.zst", f"{base}/{subdir}/repodata.json"),
                    self._download_base(subchannel, subdir),
                )
                for subdir in layout.subdirs
            )
        return Plan(
            self.channel.name, inputs, layout.facts, self.channel.credential, self.channel.ttl
        )

    def _shard_download_base(self, subchannel: str | None, subdir: str, index: ShardIndex):
        if self.channel.download_url or not self.channel.url.startswith(("http://", "https://")):
            return self._download_base(subchannel, subdir)
        return index.base_url

    def _not_found(self, subchannel: str | None) -> NotFound:
        return NotFound(
            f"channel {self.channel.name!r} has no subchannel {subchannel!r}"
            if subchannel
            else f"channel {self.channel.name!r} not found",
            code="subchannel_not_found" if subchannel else "channel_not_found",
        )

    def _whole(self, subchannel: str | None, layout: _Layout) -> LiveIndex:
        try:
            return self.indexes.current(
                self._key(subchannel), lambda: self._plan(subchannel, layout), self.channel.ttl
            )
        except NoSubdirs:
            raise self._not_found(subchannel) from None

    def _crawled(self, subchannel: str | None, layout: _Layout) -> LiveIndex | None:
        if not self.channel.crawl_shards:
            return None
        return self.indexes.peek(
            self._key(subchannel), lambda: self._plan(subchannel, layout), self.channel.ttl
        )

    # the Driver interface ---------------------------------------------------------------------

    def _remembered(self, key: tuple, make) -> PackageInfo:
        with self._lock:
            info = self._packages.get(key)
            if info is not None:
                return info
        info = make()
        with self._lock:
            self._packages[key] = info
        return info

    @property
    def memory_packages(self) -> int:
        """How many PackageInfo objects this driver keeps (the fallback upstream keeps fewer)."""
        return int(self._packages.maxsize)

    @memory_packages.setter
    def memory_packages(self, entries: int) -> None:
        with self._lock:  # a new bound starts an empty memory
            self._packages = LRUCache(maxsize=entries)

    def package(self, name: str, subchannel: str | None) -> PackageInfo:
        """The package with all its files."""
        layout = self._layout(subchannel)
        if layout.sharded:
            digests = tuple((s, i.shards.get(name)) for s, i in sorted(layout.sharded.items()))
            key = (subchannel, name, digests, id(layout.facts))
            info = self._remembered(key, lambda: self._from_shards(name, subchannel, layout))
        else:
            live = self._whole(subchannel, layout)
            key = (subchannel, name, live.version)
            info = self._remembered(key, lambda: self._from_index(name, live))
        if not info.files:
            raise NotFound(
                f"package {name!r} is not in channel {self.channel.name!r}",
                code="package_not_found",
            )
        return info

    def _info(self, name: str, files: list[PackageFile], facts: dict) -> PackageInfo:
        files.sort(key=lambda f: (f.subdir, f.filename))
        return PackageInfo(
            name=name, files=tuple(files), **{key: facts.get(key) for key in _DESCRIPTIVE}
        )

    def _from_shards(self, name: str, subchannel: str | None, layout: _Layout) -> PackageInfo:
        files = []
        for subdir, index in layout.sharded.items():
            records = self.shards.records(
                index, name, channel=self.channel.name, credential=self.channel.credential
            )
            base = self._shard_download_base(subchannel, subdir, index)
            files.extend(
                package_file(filename, record, subdir, base)
                for filename, record in records.items()
                if is_record(record) and record["name"] == name
            )
        return self._info(name, files, layout.facts.get(name) or {})

    def _from_index(self, name: str, live: LiveIndex) -> PackageInfo:
        subdirs = live.file.subdirs
        files = [
            package_file(filename, record, subdir, subdirs.get(subdir))
            for subdir, filename, record in live.file.records(name)
        ]
        return self._info(name, files, live.file.facts(name))

    def search(
        self, subchannel: str | None, query: str, limit: int, offset: int
    ) -> tuple[list[dict], int]:
        """Summaries of packages whose name contains `query` (case-insensitive)."""
        items, total, _ = self.search_with_freshness(subchannel, query, limit, offset)
        return items, total

    def search_with_freshness(
        self, subchannel: str | None, query: str, limit: int, offset: int
    ) -> tuple[list[dict], int, dict]:
        """Search, and how fresh the answer is (the `freshness` object of the API)."""
        layout = self._layout(subchannel)
        live = self._crawled(subchannel, layout) if layout.sharded else None
        if live is None and layout.sharded:
            return self._search_names(layout, query, limit, offset)
        if live is None:
            live = self._whole(subchannel, layout)
        items, total = live.file.search(query, limit, offset)
        private = self.channel.private
        return [dict(item, private=private) for item in items], total, live.freshness()

    def _search_names(self, layout: _Layout, query: str, limit: int, offset: int):
        """Before the shard crawl is done: names from the shard indexes, facts unknown."""
        needle = query.lower()
        names = sorted({n for index in layout.sharded.values() for n in index.shards})
        matches = [n for n in names if needle in n.lower()] if needle else names
        items = [
            {
                "name": name,
                "summary": (layout.facts.get(name) or {}).get("summary"),
                "license": None,
                "license_spdx": None,
                "latest_version": None,
                "platforms": sorted(s for s, i in layout.sharded.items() if name in i.shards),
                "updated_at": None,
                "download_count": None,
                "private": self.channel.private,
            }
            for name in matches[offset : offset + limit]
        ]
        freshness = {
            "source": "shards",
            "index_built_at": None,
            "upstream_checked_at": None,
            "stale": False,
            "complete": False,
        }
        return items, len(matches), freshness

    def dependants(self, name: str, subchannel: str | None) -> list[dict]:
        """Packages in the channel whose latest version depends on `name`."""
        return self.dependants_with_freshness(name, subchannel)[0]

    def dependants_with_freshness(self, name: str, subchannel: str | None) -> tuple[list, dict]:
        """Dependants, and how fresh (and complete) that answer is."""
        layout = self._layout(subchannel)
        live = self._crawled(subchannel, layout) if layout.sharded else None
        if live is None and layout.sharded:
            return [], {
                "source": "shards",
                "index_built_at": None,
                "upstream_checked_at": None,
                "stale": False,
                "complete": False,
            }
        if live is None:
            live = self._whole(subchannel, layout)
        return live.file.dependants(name), live.freshness()

    def cves(self, name: str, subchannel: str | None) -> list[dict]:
        """Plain conda channels carry no CVE data."""
        self.package(name, subchannel)
        return []

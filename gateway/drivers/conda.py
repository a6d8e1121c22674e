"""The `conda` driver: repodata.json per subdir (+ channeldata.json) over file:// or http(s)://."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from dataclasses import field

from common.channels import ChannelConfig
from common.errors import NotFound
from common.errors import UpstreamError
from gateway import artifacts
from gateway.models import PackageFile
from gateway.models import PackageInfo
from gateway.upstream import UpstreamFetcher
from gateway.upstream import UpstreamMissing

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
_NO_CHANNELDATA: dict = {}
_DESCRIPTIVE = ("summary", "description", "license", "home", "dev_url", "doc_url")


def timestamp_seconds(value: object) -> float | None:
    """Repodata timestamps are seconds or milliseconds since the epoch; return seconds."""
    if not isinstance(value, int | float) or value <= 0:
        return None
    return value / 1000.0 if value > 1e11 else float(value)


def parse_repodata(document: dict, download_base: str | None) -> list[PackageFile]:
    """The package files of one repodata.json (both `packages` and `packages.conda`)."""
    info = document.get("info") or {}
    base = info.get("base_url") or download_base
    default_subdir = info.get("subdir", "")
    files = []
    for key in ("packages", "packages.conda"):
        for filename, record in (document.get(key) or {}).items():
            if not isinstance(record, dict) or "name" not in record or "version" not in record:
                continue
            subdir = record.get("subdir") or default_subdir
            files.append(
                PackageFile(
                    filename=filename,
                    name=record["name"],
                    version=str(record["version"]),
                    build=str(record.get("build", "")),
                    build_number=int(record.get("build_number") or 0),
                    subdir=subdir,
                    size=record.get("size"),
                    md5=record.get("md5"),
                    sha256=record.get("sha256"),
                    depends=tuple(record.get("depends") or ()),
                    constrains=tuple(record.get("constrains") or ()),
                    license=record.get("license"),
                    noarch=_noarch(record.get("noarch")),
                    uploaded_at=timestamp_seconds(record.get("timestamp")),
                    download_url=f"{base.rstrip('/')}/{filename}" if base else None,
                )
            )
    return files


def _noarch(value: object) -> str | None:
    if value in (None, False, ""):
        return None
    return "generic" if value is True else str(value)


@dataclass
class CondaIndex:
    """Every package of one channel (and label), built once per change of its documents."""

    packages: dict[str, PackageInfo]
    _summaries: list[dict] | None = None
    _reverse: dict[str, list[dict]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def summaries(self, private: bool) -> list[dict]:
        """Artifact summaries of all packages, by name (computed once per index)."""
        if self._summaries is None:
            with self._lock:
                if self._summaries is None:
                    self._summaries = [
                        artifacts.artifact_summary(self.packages[name], private)
                        for name in sorted(self.packages)
                    ]
        return self._summaries

    def dependants(self, name: str) -> list[dict]:
        """Packages whose latest version depends on `name` (reverse map built once)."""
        if self._reverse is None:
            with self._lock:
                if self._reverse is None:
                    reverse: dict[str, list[dict]] = {}
                    for info in self.packages.values():
                        seen = set()
                        for file in artifacts.latest_files(info):
                            for spec in file.depends:
                                target = artifacts.spec_name(spec)
                                if target == info.name or target in seen:
                                    continue
                                seen.add(target)
                                reverse.setdefault(target, []).append(
                                    {"name": info.name, "version": file.version, "spec": spec}
                                )
                    for entries in reverse.values():
                        entries.sort(key=lambda e: e["name"])
                    self._reverse = reverse
        return self._reverse.get(name, [])


def build_index(files: list[PackageFile], channeldata: dict) -> CondaIndex:
    """Group files by package name and attach channeldata's descriptive facts."""
    grouped: dict[str, list[PackageFile]] = {}
    for file in files:
        grouped.setdefault(file.name, []).append(file)
    described = channeldata.get("packages") or {}
    packages = {}
    for name, group in grouped.items():
        facts = described.get(name) or {}
        group.sort(key=lambda f: (f.subdir, f.filename))
        packages[name] = PackageInfo(
            name=name,
            files=tuple(group),
            **{key: _text(facts.get(key)) for key in _DESCRIPTIVE},
        )
    return CondaIndex(packages)


def _text(value: object) -> str | None:
    if value is None or value == "" or value == "None":
        return None
    return str(value)


class CondaDriver:
    """A plain conda channel."""

    def __init__(self, channel: ChannelConfig, fetcher: UpstreamFetcher):
        self.channel = channel
        self.fetcher = fetcher
        self._indexes: dict[str | None, tuple[tuple[int, ...], CondaIndex]] = {}
        self._lock = threading.Lock()

    def _base(self, subchannel: str | None) -> str:
        return f"{self.channel.url}/label/{subchannel}" if subchannel else self.channel.url

    def _download_base(self, subchannel: str | None, subdir: str) -> str | None:
        if self.channel.download_url:
            label = f"/label/{subchannel}" if subchannel else ""
            return f"{self.channel.download_url}{label}/{subdir}"
        if self.channel.url.startswith(("http://", "https://")):
            return f"{self._base(subchannel)}/{subdir}"
        return None

    def _get(self, url: str, parse):
        return self.fetcher.get(
            url,
            ttl=self.channel.ttl,
            channel=self.channel.name,
            parse=parse,
            credential=self.channel.credential,
        )

    def _channeldata(self, subchannel: str | None) -> dict:
        try:
            document, _ = self._get(f"{self._base(subchannel)}/channeldata.json", lambda d: d)
        except UpstreamMissing:
            return _NO_CHANNELDATA
        except UpstreamError:
            # channeldata only adds descriptions (and maybe subdirs): carry on without it
            log.warning("channel %s: channeldata.json unavailable", self.channel.name)
            return _NO_CHANNELDATA
        return document

    def index(self, subchannel: str | None) -> CondaIndex:
        """The channel's index, rebuilt only when one of its documents changed."""
        channeldata = self._channeldata(subchannel)
        subdirs = self.channel.subdirs or tuple(channeldata.get("subdirs") or ()) or COMMON_SUBDIRS
        parts: list[list[PackageFile]] = []
        found_any = bool(channeldata)
        for subdir in subdirs:
            base = self._download_base(subchannel, subdir)
            try:
                files, _ = self._get(
                    f"{self._base(subchannel)}/{subdir}/repodata.json",
                    lambda d, base=base: parse_repodata(d, base),
                )
            except UpstreamMissing:
                continue
            found_any = True
            parts.append(files)
        if not found_any:
            raise NotFound(
                f"channel {self.channel.name!r} has no subchannel {subchannel!r}",
                code="subchannel_not_found" if subchannel else "channel_not_found",
            )
        identity = tuple(id(p) for p in parts) + (id(channeldata),)
        cached = self._indexes.get(subchannel)
        if cached is not None and cached[0] == identity:
            return cached[1]
        with self._lock:
            cached = self._indexes.get(subchannel)
            if cached is not None and cached[0] == identity:
                return cached[1]
            index = build_index([f for part in parts for f in part], channeldata)
            self._indexes[subchannel] = (identity, index)
            return index

    def package(self, name: str, subchannel: str | None) -> PackageInfo:
        """The package with all its files."""
        info = self.index(subchannel).packages.get(name)
        if info is None:
            raise NotFound(
                f"package {name!r} is not in channel {self.channel.name!r}",
                code="package_not_found",
            )
        return info

    def packages(self, names: list[str], subchannel: str | None) -> dict[str, PackageInfo | None]:
        """Many packages at once (None for those the channel lacks): one index look-up."""
        packages = self.index(subchannel).packages
        return {name: packages.get(name) for name in names}

    def search(
        self, subchannel: str | None, query: str, limit: int, offset: int
    ) -> tuple[list[dict], int]:
        """Summaries of packages whose name contains `query` (case-insensitive)."""
        summaries = self.index(subchannel).summaries(self.channel.private)
        needle = query.lower()
        matches = [s for s in summaries if needle in s["name"].lower()] if needle else summaries
        return matches[offset : offset + limit], len(matches)

    def dependants(self, name: str, subchannel: str | None) -> list[dict]:
        """Packages in the channel whose latest version depends on `name`."""
        return self.index(subchannel).dependants(name)

    def cves(self, name: str, subchannel: str | None) -> list[dict]:
        """Plain conda channels carry no CVE data."""
        self.package(name, subchannel)
        return []

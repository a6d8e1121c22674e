"""Locked packages -> what we know of them: the served channel (by URL or mirror), the
channel's record when its sha256 agrees, and the dependency graph within the lock."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

from common.channels import ChannelConfig
from environments.model import CONDA
from environments.model import PYPI
from environments.model import LockedPackage

# how a package got its facts
FROM_CHANNEL = "channel"
FROM_LOCK = "lock"
NOT_SERVED = "its channel is not served here (or not to this request)"
PYPI_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def pypi_normalized(name: str) -> str:
    """PEP 503 normalized PyPI name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Resolved:
    """A locked package with where its facts come from."""

    package: LockedPackage
    channel: ChannelConfig | None = None  # the served channel whose facts apply
    record: object | None = None  # the channel's file record (license, sha256...)
    origin: str = FROM_LOCK
    note: str | None = None  # why the channel's facts were not used


class ChannelIndex:
    """The configured channels by base URL (their own URL and their `mirrors`)."""

    def __init__(self, channels: Iterable[ChannelConfig]):
        self.by_url: dict[str, ChannelConfig] = {}
        for channel in channels:
            for url in (channel.url, *channel.mirrors):
                self.by_url[url.rstrip("/")] = channel

    def match(self, channel_url: str) -> ChannelConfig | None:
        """The configured channel serving files under `channel_url`, if any."""
        return self.by_url.get(channel_url.rstrip("/")) if channel_url else None


# a channel's files of a package name: () when it has none, None when it cannot be read now
Lookup = Callable[[ChannelConfig, str], Sequence[object] | None]


def resolve_package(
    package: LockedPackage,
    index: ChannelIndex,
    may_read: Callable[[ChannelConfig], bool],
    lookup: Lookup | None,
) -> Resolved:
    """Where one locked package's facts come from (the channel's only when the file is its)."""
    if package.kind != CONDA:
        return Resolved(package)
    channel = index.match(package.channel_url)
    if channel is None:
        reason = "a local source package" if not package.url else NOT_SERVED
        return Resolved(package, note=reason)
    if not may_read(channel):
        return Resolved(package, note=NOT_SERVED)  # alike: nothing tells a private channel
    if lookup is None:
        return Resolved(package, channel, origin=FROM_CHANNEL)
    files = lookup(channel, package.name)
    if files is None:
        return Resolved(package, note=f"the channel {channel.name} cannot be read now")
    for file in files:
        if file.filename == package.filename and file.subdir == package.subdir:
            if package.sha256 and file.sha256 and file.sha256 != package.sha256:
                note = "the channel's file has another sha256 than the lock's"
                return Resolved(package, note=note)
            return Resolved(package, channel, file, FROM_CHANNEL)
    return Resolved(package, note=f"the channel {channel.name} has no such file")


def _requirement_name(requirement: str) -> str | None:
    if "extra ==" in requirement.replace('"', "").replace("'", ""):
        return None  # only with an extra: not a dependency of the package as locked
    found = PYPI_NAME.match(requirement)
    return pypi_normalized(found.group(1)) if found else None


def dependency_graph(packages: Sequence[LockedPackage]) -> tuple[dict, dict]:
    """(edges, unresolved): each package's locked dependencies by key, and the names its
    depends name that the lock does not hold (virtual `__` packages left out)."""
    conda = {p.name: p.key for p in packages if p.kind == CONDA}
    pypi = {pypi_normalized(p.name): p.key for p in packages if p.kind == PYPI}
    edges: dict[str, list[str]] = {}
    unresolved: dict[str, list[str]] = {}
    for package in packages:
        found, missing = set(), set()
        for spec in package.depends:
            if package.kind == CONDA:
                name = spec.split()[0].split("[")[0].split("::")[-1] if spec.strip() else ""
                if not name or name.startswith("__"):
                    continue
                target = conda.get(name)
            else:
                name = _requirement_name(spec)
                if name is None:
                    continue
                target = pypi.get(name)
            if target is not None:
                found.add(target)
            elif package.kind == CONDA:
                missing.add(name)
        edges[package.key] = sorted(found - {package.key})
        if missing:
            unresolved[package.key] = sorted(missing)
    return edges, unresolved


def resolve_all(
    packages: Sequence[LockedPackage],
    channels: Mapping[str, ChannelConfig],
    may_read: Callable[[ChannelConfig], bool],
    lookup: Lookup | None = None,
) -> list[Resolved]:
    """Every package of one environment and platform, resolved."""
    index = ChannelIndex(channels.values())
    return [resolve_package(p, index, may_read, lookup) for p in packages]

"""Upstream drivers: each turns one kind of upstream into PackageInfo objects."""

from __future__ import annotations

from typing import Protocol

from common.channels import ChannelConfig
from gateway.models import PackageInfo
from gateway.upstream import UpstreamFetcher


class Driver(Protocol):
    """What the API needs from an upstream, whatever its kind."""

    channel: ChannelConfig

    def package(self, name: str, subchannel: str | None) -> PackageInfo:
        """The package with all its files; raises NotFound (package_not_found)."""
        ...

    def search(
        self, subchannel: str | None, query: str, limit: int, offset: int
    ) -> tuple[list[dict], int]:
        """Artifact summaries whose name contains `query`, one page, and the total."""
        ...

    def dependants(self, name: str, subchannel: str | None) -> list[dict]:
        """Packages in the channel whose latest version depends on `name`."""
        ...

    def cves(self, name: str, subchannel: str | None) -> list[dict]:
        """Known vulnerabilities of the package (empty where the upstream has none)."""
        ...


def make_driver(channel: ChannelConfig, fetcher: UpstreamFetcher) -> Driver:
    """The driver named by the channel's config."""
    from gateway.drivers.anaconda_org import AnacondaOrgDriver
    from gateway.drivers.conda import CondaDriver
    from gateway.drivers.platform import PlatformDriver

    kinds = {"conda": CondaDriver, "anaconda-org": AnacondaOrgDriver, "platform": PlatformDriver}
    return kinds[channel.driver](channel, fetcher)

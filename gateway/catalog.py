"""The configured channels and their drivers, one set per worker process; unknown names go
to the fallback upstream when one is configured (gateway.fallback)."""

from __future__ import annotations

import threading

from common.channels import ChannelConfig
from common.errors import NotFound
from common.settings import Settings
from gateway.drivers import Driver
from gateway.drivers import make_driver
from gateway.fallback import FallbackChannels
from gateway.upstream import UpstreamFetcher


class Catalog:
    """Looks up channels by name and hands out their (lazily created) drivers."""

    def __init__(self, settings: Settings, fetcher: UpstreamFetcher | None = None):
        self.channels: dict[str, ChannelConfig] = dict(settings.channels)
        self.fetcher = fetcher or UpstreamFetcher(settings)
        self.fallback = FallbackChannels(settings, self.fetcher, set(self.channels))
        self._drivers: dict[str, Driver] = {}
        self._lock = threading.Lock()

    def channel(self, name: str) -> ChannelConfig:
        """The channel's config, or 404 `channel_not_found`."""
        config = self.channels.get(name)
        if config is not None:
            return config
        if self.fallback.enabled:
            return self.fallback.entry(name).config
        raise NotFound(f"channel {name!r} not found", code="channel_not_found")

    def driver(self, name: str) -> Driver:
        """The channel's driver (created on first use)."""
        driver = self._drivers.get(name)
        if driver is None and name not in self.channels and self.fallback.enabled:
            return self.fallback.entry(name).driver
        if driver is None:
            with self._lock:
                driver = self._drivers.get(name)
                if driver is None:
                    driver = make_driver(self.channel(name), self.fetcher)
                    self._drivers[name] = driver
        return driver

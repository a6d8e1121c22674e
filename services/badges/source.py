"""Artifact facts from the gateway, with a short in-process cache for public (token-less) reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cachetools import FIFOCache

from common.metadata_client import MetadataClient

Key = tuple[str, str | None, str]


class ArtifactSource:
    """Reads artifacts through the MetadataClient; caches public ones for `ttl` seconds.

    Requests with a token are never cached: the gateway checks the token on every request.
    """

    def __init__(
        self,
        client: MetadataClient,
        ttl: float = 5.0,
        maxsize: int = 10000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.client = client
        self.ttl = ttl
        self.clock = clock
        # oldest stored first out (a read does not renew an entry)
        self._entries: FIFOCache[Key, tuple[float, dict]] = FIFOCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def artifact(
        self, channel: str, name: str, subchannel: str | None = None, token: str | None = None
    ) -> dict:
        """The artifact JSON (docs/metadata-api.md); raises the common.errors classes."""
        if token:
            return self.client.artifact(channel, name, subchannel=subchannel, token=token)
        key = (channel, subchannel, name)
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                return entry[1]
        artifact = self.client.artifact(channel, name, subchannel=subchannel)
        if self.ttl > 0 and not artifact.get("private"):
            with self._lock:
                self._entries[key] = (now + self.ttl, artifact)
        return artifact

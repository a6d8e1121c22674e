"""Gathered facts, reused for a few seconds (SBOM_FACTS_TTL), like the badges service's.

The key names the file and a scope, never a token: facts gathered without a token are reused
only by requests without one (the gateway refuses private channels to those, so such facts
are public); facts gathered with a token only by requests whose token this service has
validated for that channel (signature, claims, deny list, scope: views._facts_scope). Errors
are never kept. A repeat within the TTL costs no call to the metadata gateway.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from collections.abc import Hashable

from cachetools import FIFOCache

from services.sbom.facts import Facts


class FactsCache:
    """A small thread-safe TTL cache of Facts; `ttl` 0 turns it off."""

    def __init__(
        self, ttl: float, entries: int = 1024, clock: Callable[[], float] = time.monotonic
    ):
        self.ttl = ttl
        self.clock = clock
        # oldest stored first out (a read does not renew an entry)
        self._items: FIFOCache[Hashable, tuple[float, Facts]] = FIFOCache(maxsize=entries)
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, key: Hashable, gather: Callable[[], Facts]) -> Facts:
        """The facts for `key`, from the cache while fresh, else from `gather()`."""
        if self.ttl <= 0:
            return gather()
        now = self.clock()
        with self._lock:
            found = self._items.get(key)
            if found is not None and found[0] > now:
                self.hits += 1
                return found[1]
        facts = gather()
        with self._lock:
            self._items[key] = (now + self.ttl, facts)
        return facts

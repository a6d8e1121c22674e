"""Facts to document text in the requested format, cached in-process by a hash of the facts."""

from __future__ import annotations

import threading

from cachetools import LRUCache

from common.sbom_negotiation import Format
from services.sbom.cyclonedx import render_cyclonedx
from services.sbom.facts import Facts
from services.sbom.spdx import render_spdx
from services.sbom.spdx3 import render_spdx3

CACHE_ENTRIES = 512


def render(facts: Facts, fmt: Format) -> str:
    """The document for `facts` in format `fmt` (pure; no cache)."""
    if fmt.family == "spdx":
        return render_spdx(facts)
    if fmt.family == "spdx3":
        return render_spdx3(facts)
    return render_cyclonedx(facts, fmt.version)


class DocumentCache:
    """A small thread-safe LRU of generated documents, keyed by (facts hash, format)."""

    def __init__(self, entries: int = CACHE_ENTRIES):
        self._items: LRUCache[tuple[str, str], bytes] = LRUCache(maxsize=entries)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, facts: Facts, fmt: Format, variant: str = "", make=None) -> bytes:
        """The document's bytes, generated on a miss (`make(text) -> text` derives a variant
        of the document, e.g. its signed envelope, cached under `variant`)."""
        key = (facts.key(), fmt.key + variant)
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self.hits += 1
                return body
        body = render(facts, fmt).encode() if make is None else make(self.get(facts, fmt)).encode()
        with self._lock:
            self.misses += 1
            self._items[key] = body
        return body

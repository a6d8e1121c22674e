"""The package's entry point: a trust root plus a bounded cache of verdicts by file sha256."""

from __future__ import annotations

import hashlib
import threading

from cachetools import LRUCache
from sigstore.errors import Error as SigstoreError
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

from signatures.attestations import AttestationResult
from signatures.attestations import Channel
from signatures.attestations import Record
from signatures.attestations import verify_sidecar
from signatures.policy import PublisherPolicy

DEFAULT_CACHE_SIZE = 4096


class TrustRootError(Exception):
    """A configured trust root that cannot be read or is not a Sigstore trusted root."""


def load_verifier(trust_root: str | None = None) -> Verifier:
    """A Sigstore verifier: the public-good root shipped with `sigstore` (offline), or a file."""
    if trust_root is None:
        return Verifier.production(offline=True)
    try:
        return Verifier(trusted_root=TrustedRoot.from_file(trust_root))
    except (OSError, ValueError, SigstoreError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise TrustRootError(f"trust root {trust_root} is not usable: {first}") from error


class AttestationVerifier:
    """Verifies CEP-27 sidecars and remembers each verdict, keyed by the file's sha256."""

    def __init__(self, trust_root: str | None = None, cache_size: int = DEFAULT_CACHE_SIZE):
        """Load the trust root once; keep at most `cache_size` verdicts (least recently used go)."""
        self._verifier = load_verifier(trust_root)
        self._cache: LRUCache = LRUCache(maxsize=cache_size)
        self._lock = threading.Lock()

    def verify(
        self, sidecar: bytes, record: Record, channel: Channel, policy: PublisherPolicy
    ) -> AttestationResult:
        """The verdict for `record` on `channel` under `policy`, computed once per input."""
        key = (
            record.sha256.lower(),
            record.filename,
            hashlib.sha256(sidecar).hexdigest(),
            channel,
            policy,
        )
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        result = verify_sidecar(sidecar, record, channel, policy, self._verifier)
        with self._lock:
            self._cache[key] = result
        return result

    def cached(self, record: Record) -> list[AttestationResult]:
        """Every remembered verdict for this file's sha256 (no sidecar needed)."""
        with self._lock:
            return [v for k, v in self._cache.items() if k[0] == record.sha256.lower()]

    def __len__(self) -> int:
        """How many verdicts are remembered."""
        with self._lock:
            return len(self._cache)

"""Verification keys: the HS256 secret, public keys from PEM files, and a throttled JWKS cache.

Every key is bound to exactly one algorithm when it is loaded (an RSA key to RS256, a P-256 key
to ES256, an Ed25519 key to EdDSA, the shared secret to HS256), and a token is only ever checked
with the keys bound to its `alg`. So one key can never be used with another algorithm family:
an HS256 token "signed" with the RSA public key as the secret finds no HS256 key but the secret.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt import PyJWKSet
from jwt.exceptions import PyJWTError

from common.errors import UpstreamError

log = logging.getLogger(__name__)

ASYMMETRIC = ("RS256", "ES256", "EdDSA")
SUPPORTED = ("HS256", *ASYMMETRIC)
MIN_RSA_BITS = 2048


class TokenConfigError(ValueError):
    """The token settings cannot work (unknown algorithm, unreadable or unusable key file)."""


@dataclass(frozen=True)
class VerificationKey:
    """A key bound to the one algorithm it may verify; `kid` is a hint for choosing it."""

    algorithm: str
    key: Any
    kid: str | None = None


def algorithm_for_public_key(key: Any) -> str:
    """The single algorithm a public key may verify, or raise TokenConfigError."""
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise TokenConfigError(f"RSA keys must have at least {MIN_RSA_BITS} bits")
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise TokenConfigError("EC keys must be on P-256 (ES256)")
        return "ES256"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    raise TokenConfigError(f"unsupported public key type {type(key).__name__}")


def load_public_key_file(path: Path) -> VerificationKey:
    """Load a PEM public key; its file name without suffix is its `kid`."""
    try:
        key = load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise TokenConfigError(f"cannot load public key {path}: {type(error).__name__}") from error
    return VerificationKey(algorithm_for_public_key(key), key, kid=path.stem)


def static_keys(
    algorithms: tuple[str, ...], hs256_secret: str, public_key_files: tuple[str, ...]
) -> list[VerificationKey]:
    """The configured secret and PEM keys, each bound to its algorithm if that is allowed."""
    for name in algorithms:
        if name not in SUPPORTED:
            raise TokenConfigError(f"algorithm {name!r} is not one of {', '.join(SUPPORTED)}")
    keys = []
    if hs256_secret and "HS256" in algorithms:
        if "-----BEGIN" in hs256_secret:
            raise TokenConfigError("the HS256 secret looks like a PEM key; use a random secret")
        if len(hs256_secret.encode()) < 32:
            log.warning("the HS256 secret is shorter than 32 bytes; use a longer random secret")
        keys.append(VerificationKey("HS256", hs256_secret.encode()))
    for name in public_key_files:
        loaded = load_public_key_file(Path(name))
        if loaded.algorithm not in algorithms:
            raise TokenConfigError(
                f"public key {name} is for {loaded.algorithm}, which TOKEN_ALGORITHMS leaves out"
            )
        keys.append(loaded)
    return keys


def _fetch_json(url: str, timeout: float) -> dict:
    response = requests.get(url, timeout=timeout, allow_redirects=False)
    response.raise_for_status()
    return json.loads(response.content)


class JwksCache:
    """Signing keys from a JWKS URL, kept for `ttl` seconds (one process, all threads).

    A token with an unknown `kid` refetches the set, but at most once per `min_refresh`
    seconds, and so does a failed fetch: a flood of random `kid`s or a dead JWKS endpoint
    costs at most one upstream request per `min_refresh`. After a failed refresh the last
    good set keeps being used. Symmetric (`oct`) keys in the set are ignored.
    """

    def __init__(
        self,
        url: str,
        algorithms: tuple[str, ...],
        *,
        ttl: float = 300,
        min_refresh: float = 30,
        timeout: float = 5.0,
        fetch: Callable[[str, float], dict] = _fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url = url
        self.algorithms = tuple(a for a in algorithms if a in ASYMMETRIC)
        self.ttl = ttl
        self.min_refresh = min_refresh
        self.timeout = timeout
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, VerificationKey] | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self.fetches = 0

    def get(self, kid: str) -> VerificationKey | None:
        """The key with this `kid`, refetching the set when stale or (throttled) when unknown."""
        with self._lock:
            now = self._clock()
            if self._keys is None or now - self._fetched_at >= self.ttl:
                self._refresh(now)
            key = (self._keys or {}).get(kid)
            if key is None:
                self._refresh(now)
                key = (self._keys or {}).get(kid)
            if self._keys is None:
                raise UpstreamError(
                    "the token signing keys are unavailable", code="token_keys_unavailable"
                )
            return key

    def _refresh(self, now: float) -> None:
        if self._attempted_at is not None and now - self._attempted_at < self.min_refresh:
            return
        self._attempted_at = now
        self.fetches += 1
        try:
            document = self._fetch(self.url, self.timeout)
            self._keys = self._parse(document)
            self._fetched_at = now
        except (requests.RequestException, ValueError, PyJWTError) as error:
            log.warning("JWKS fetch failed (%s); keeping the previous keys", type(error).__name__)

    def _parse(self, document: Any) -> dict[str, VerificationKey]:
        if not isinstance(document, dict):
            raise ValueError("the JWKS is not a JSON object")
        keys = {}
        for jwk in PyJWKSet.from_dict(document).keys:
            if jwk.key_type == "oct" or jwk.public_key_use not in ("sig", None):
                continue
            if not jwk.key_id or jwk.algorithm_name not in self.algorithms:
                continue
            keys[jwk.key_id] = VerificationKey(jwk.algorithm_name, jwk, kid=jwk.key_id)
        return keys

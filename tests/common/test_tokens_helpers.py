"""Helpers for the token tests (no tests here): keys, settings, and raw token building."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa

from common.channels import ChannelConfig
from common.settings import Settings

SECRET = "unit-test-hs256-secret-" + "s" * 24
ISSUER = "unit-test-issuer"
ALL_ALGORITHMS = ("HS256", "RS256", "ES256", "EdDSA")


def private_key(algorithm: str):
    """A fresh private key for RS256, ES256 or EdDSA."""
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(algorithm)


def public_pem(key) -> bytes:
    """The PEM (SubjectPublicKeyInfo) of a private key's public half."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def private_pem(key) -> bytes:
    """The unencrypted PKCS#8 PEM of a private key."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_public_key(directory: Path, name: str, key) -> Path:
    """Write a public key PEM to `<directory>/<name>.pem` (its kid is `name`)."""
    path = directory / f"{name}.pem"
    path.write_bytes(public_pem(key))
    return path


def channels() -> dict[str, ChannelConfig]:
    """A public, a private and a second private channel."""
    return {
        "main": ChannelConfig(name="main", driver="conda", url="file:///nowhere"),
        "private": ChannelConfig(name="private", driver="conda", url="file:///x", private=True),
        "other": ChannelConfig(name="other", driver="conda", url="file:///y", private=True),
    }


def make_settings(tmp_path: Path, **overrides) -> Settings:
    """Settings for tests: HS256 with SECRET, the test issuer, state in tmp_path."""
    values = {
        "state_dir": tmp_path / "state",
        "token_algorithms": ("HS256",),
        "token_hs256_secret": SECRET,
        "token_issuer": ISSUER,
        "token_dev_key": False,
        "channels": channels(),
    }
    values.update(overrides)
    return Settings(**values)


def payload(**claims) -> dict:
    """A complete, currently valid payload for audience api and channel `private`."""
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "sub": "svc-test",
        "aud": "api",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "scope": "channel:private",
    }
    base.update(claims)
    return {k: v for k, v in base.items() if v is not None}


def sign(claims: dict, key=SECRET, algorithm: str = "HS256", kid: str | None = None) -> str:
    """A token signed with PyJWT."""
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid} if kid else None)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: dict, claims: dict, signature: bytes = b"") -> str:
    """A token assembled by hand (for `alg: none` and forged signatures)."""
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}." + _b64(
        signature
    )


def hs256_with_secret(claims: dict, secret: bytes, kid: str | None = None) -> str:
    """An HS256 token signed with any bytes as the secret (e.g. a public key PEM)."""
    header = {"alg": "HS256", "typ": "JWT", **({"kid": kid} if kid else {})}
    unsigned = raw_token(header, claims).rsplit(".", 1)[0]
    signature = hmac.new(secret, unsigned.encode(), hashlib.sha256).digest()
    return f"{unsigned}.{_b64(signature)}"


def alg_none(claims: dict) -> str:
    """An unsigned token (`alg: none`)."""
    return raw_token({"alg": "none", "typ": "JWT"}, claims)

"""The service's signing key (a configured PEM, or a dev key made once in STATE_DIR) and the
public key set it publishes, with key ids, so that rotated-out keys keep verifying old
envelopes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization import PublicFormat
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.signer import CryptoSigner
from securesystemslib.signer import Key
from securesystemslib.signer import SSlibKey

from common.settings import Settings
from common.state_files import create_once

log = logging.getLogger(__name__)

DEV_KEY_FILE = "sbom-signing-key.pem"
KEYS_DOCUMENT_TYPE = "conda-badges/sbom-keys/v1"


class SigningKeyError(ValueError):
    """The configured signing key cannot be used (unreadable, not a private key, unsupported)."""


@dataclass(frozen=True)
class ServiceKey:
    """The key the service signs with, and the earlier public keys it still publishes."""

    signer: CryptoSigner = field(repr=False)
    previous: tuple[Key, ...] = ()

    @property
    def keyid(self) -> str:
        """The current key's id (securesystemslib's default: sha256 of the canonical key)."""
        return self.signer.public_key.keyid


def _signer_from_pem(pem: bytes, where: str) -> CryptoSigner:
    try:
        private = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"{where} is not an unencrypted PEM private key") from error
    try:
        return CryptoSigner(private)
    except ValueError as error:
        raise SigningKeyError(f"{where}: unsupported key type ({error})") from error


def _dev_key(path: Path) -> bytes:
    """The dev key's PEM; made once (Ed25519, 0600), first process wins (like the token key)."""
    create_once(
        path,
        lambda: CryptoSigner.generate_ed25519().private_bytes,
        "a development SBOM signing key",
    )
    return path.read_bytes()


def _public_key_from_file(name: str) -> Key:
    path = Path(name)
    try:
        public = load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise SigningKeyError(f"previous public key {path} is not a readable PEM") from error
    return SSlibKey.from_crypto(public)


def load_signing_key(settings: Settings) -> ServiceKey | None:
    """The configured key (PEM text, else PEM file), else the dev key, else None (unsigned)."""
    if settings.sbom_signing_key:
        signer = _signer_from_pem(settings.sbom_signing_key.encode(), "SBOM_SIGNING_KEY")
    elif settings.sbom_signing_key_file is not None:
        try:
            pem = Path(settings.sbom_signing_key_file).read_bytes()
        except OSError as error:
            raise SigningKeyError(
                f"SBOM_SIGNING_KEY_FILE {settings.sbom_signing_key_file} cannot be read"
            ) from error
        signer = _signer_from_pem(pem, "SBOM_SIGNING_KEY_FILE")
    elif settings.sbom_dev_key:
        path = settings.state_dir / DEV_KEY_FILE
        signer = _signer_from_pem(_dev_key(path), str(path))
    else:
        return None
    previous = tuple(_public_key_from_file(name) for name in settings.sbom_previous_public_keys)
    key = ServiceKey(signer, tuple(k for k in previous if k.keyid != signer.public_key.keyid))
    log.info("SBOM signing key id %s (%d previous keys published)", key.keyid, len(key.previous))
    return key


def _entry(key: Key, status: str) -> dict:
    crypto = key._crypto_key() if isinstance(key, SSlibKey) else None  # noqa: SLF001 - for PEM
    entry = {"keyid": key.keyid, **key.to_dict(), "status": status}
    if crypto is not None:
        entry["public_key_pem"] = crypto.public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        ).decode()
    return entry


def published_keys(key: ServiceKey | None) -> dict:
    """The public key set: the current key and the previous ones, each with its key id."""
    keys = []
    if key is not None:
        keys.append(_entry(key.signer.public_key, "current"))
        keys.extend(_entry(k, "previous") for k in key.previous)
    return {"type": KEYS_DOCUMENT_TYPE, "keys": keys}


def keys_from_document(document: dict) -> list[Key]:
    """The keys of a published key set (what a verifier loads, offline); ValueError if malformed."""
    entries = document.get("keys") or ()
    if not isinstance(entries, list):
        raise ValueError("the key set's 'keys' is not a list")
    found = []
    for index, entry in enumerate(entries):
        try:
            values = {k: entry[k] for k in ("keytype", "scheme", "keyval") if k in entry}
            found.append(Key.from_dict(entry["keyid"], values))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"key {index} of the key set is not a key ({error!r})") from None
    return found

"""DSSE v1 verification as the protocol says: decode, try every signature, skip failed ones.

securesystemslib does the crypto (`Key.verify_signature`); its `Envelope` is not used here,
since it requires a `keyid`, refuses two signatures with one key id and trusts the key id to
pick the key (its own docs say this is not DSSE-compliant). What the spec says, and this does:

- `payload`, `payloadType`, `signatures` and each `sig` are required; `keyid` is optional and
  an unset key id is the same as an empty one; unknown fields are ignored;
- base64 is standard or URL-safe, with or without padding; anything else is a decoding
  failure, and a decoding failure rejects the envelope;
- a key id is only a hint: a non-empty one narrows the keys to try to the key with that id;
  an empty one tries every key;
- each signature is checked against PAE(payloadType, payload); one that fails is skipped.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from securesystemslib import exceptions
from securesystemslib.signer import Key
from securesystemslib.signer import Signature

VERIFIED = "verified"
UNKNOWN_KEY = "unknown key"
BAD_SIGNATURE = "bad signature"


class NotAnEnvelope(ValueError):
    """The document cannot be decoded as a DSSE JSON envelope (the spec: reject)."""


@dataclass(frozen=True)
class Decoded:
    """A decoded envelope: the payload's bytes, its type, and (key id, signature bytes)s."""

    payload: bytes
    payload_type: str
    signatures: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class SignatureCheck:
    """What became of one signature: its key id hint, the outcome, the key that verified it."""

    index: int
    keyid: str
    outcome: str
    verified_by: str | None = None


def b64decode(text: object, what: str) -> bytes:
    """Standard or URL-safe base64, padded or not (DSSE: verifiers MUST accept either)."""
    if not isinstance(text, str):
        raise NotAnEnvelope(f"{what} is not a string")
    normal = text.replace("-", "+").replace("_", "/")
    normal += "=" * (-len(normal) % 4)
    try:
        return base64.b64decode(normal, validate=True)
    except (binascii.Error, ValueError):
        raise NotAnEnvelope(f"{what} is not base64") from None


def decode(document: object) -> Decoded:
    """The envelope's parts, or NotAnEnvelope saying which field is missing or malformed."""
    if not isinstance(document, dict):
        raise NotAnEnvelope("not a JSON object")
    for name in ("payload", "payloadType", "signatures"):
        if name not in document:
            raise NotAnEnvelope(f"no {name!r} field")
    if not isinstance(document["payloadType"], str):
        raise NotAnEnvelope("payloadType is not a string")
    if not isinstance(document["signatures"], list):
        raise NotAnEnvelope("signatures is not a list")
    signatures = []
    for index, entry in enumerate(document["signatures"]):
        if not isinstance(entry, dict) or "sig" not in entry:
            raise NotAnEnvelope(f"signature {index} has no 'sig' field")
        keyid = entry.get("keyid") or ""
        if not isinstance(keyid, str):
            raise NotAnEnvelope(f"signature {index}'s keyid is not a string")
        signatures.append((keyid, b64decode(entry["sig"], f"signature {index}'s sig")))
    payload = b64decode(document["payload"], "payload")
    return Decoded(payload, document["payloadType"], tuple(signatures))


def pae(payload_type: str, payload: bytes) -> bytes:
    """The Pre-Authentication Encoding that DSSE signs."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def _verifies(key: Key, signature: bytes, message: bytes) -> bool:
    try:
        key.verify_signature(Signature(key.keyid, signature.hex()), message)
    except exceptions.UnverifiedSignatureError:  # VerificationError is one too
        return False
    return True


def check_signatures(decoded: Decoded, keys: list[Key]) -> tuple[SignatureCheck, ...]:
    """Every signature's outcome, in the envelope's order."""
    message = pae(decoded.payload_type, decoded.payload)
    results = []
    for index, (keyid, signature) in enumerate(decoded.signatures):
        candidates = [k for k in keys if k.keyid == keyid] if keyid else list(keys)
        if not candidates:
            results.append(SignatureCheck(index, keyid, UNKNOWN_KEY))
            continue
        good = next((k for k in candidates if _verifies(k, signature, message)), None)
        if good is None:
            results.append(SignatureCheck(index, keyid, BAD_SIGNATURE))
        else:
            results.append(SignatureCheck(index, keyid, VERIFIED, good.keyid))
    return tuple(results)

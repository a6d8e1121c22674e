"""An SBOM as an in-toto Statement (v1) in a DSSE envelope, and its offline verification."""

from __future__ import annotations

import hashlib
import json

from securesystemslib import exceptions
from securesystemslib.dsse import Envelope
from securesystemslib.signer import Key

from attestation.keys import ServiceKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPES = {"cyclonedx": "https://cyclonedx.org/bom", "spdx": "https://spdx.dev/Document"}
ENVELOPE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json"


class VerificationFailed(Exception):
    """An envelope that does not verify (signature, key, statement or subject)."""


def statement(family: str, filename: str, sha256: str, sbom: dict) -> bytes:
    """The Statement's bytes: subject = the package file (name, sha256), predicate = the SBOM."""
    body = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": filename, "digest": {"sha256": sha256.lower()}}],
        "predicateType": PREDICATE_TYPES[family],
        "predicate": sbom,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def attest(key: ServiceKey, family: str, filename: str, sha256: str, sbom: dict) -> dict:
    """The signed DSSE envelope (JSON-ready) for one SBOM of one package file."""
    envelope = Envelope(statement(family, filename, sha256, sbom), PAYLOAD_TYPE, {})
    envelope.sign(key.signer)
    return envelope.to_dict()


def verify(
    document: dict,
    keys: list[Key],
    *,
    artifact_sha256: str | None = None,
    filename: str | None = None,
) -> dict:
    """The verified Statement, or VerificationFailed saying why.

    The signature must verify with a published key of the same key id (DSSE over the payload
    type and payload); the payload must be an in-toto Statement with an SBOM predicate; given
    an artifact digest (or file name), the subject must name it.
    """
    try:
        envelope = Envelope.from_dict(json.loads(json.dumps(document)))
    except (KeyError, TypeError, ValueError) as error:
        raise VerificationFailed(f"not a DSSE envelope ({type(error).__name__})") from None
    if envelope.payload_type != PAYLOAD_TYPE:
        raise VerificationFailed(f"payloadType is {envelope.payload_type!r}, not {PAYLOAD_TYPE!r}")
    known = {k.keyid for k in keys}
    if not known & set(envelope.signatures):
        raise VerificationFailed(
            "no signature by a published key (signed by key id "
            + ", ".join(sorted(envelope.signatures))
            + ")"
        )
    try:
        envelope.verify(keys, 1)
    except (exceptions.VerificationError, ValueError) as error:
        raise VerificationFailed(f"bad signature: {error}") from None
    try:
        body = json.loads(envelope.payload)
    except ValueError:
        raise VerificationFailed("the signed payload is not JSON") from None
    if (
        body.get("_type") != STATEMENT_TYPE
        or body.get("predicateType") not in PREDICATE_TYPES.values()
    ):
        raise VerificationFailed("the payload is not an in-toto Statement with an SBOM predicate")
    subjects = body.get("subject") or []
    if artifact_sha256 is not None and not any(
        (s.get("digest") or {}).get("sha256") == artifact_sha256.lower() for s in subjects
    ):
        raise VerificationFailed("the statement's subject is not this artifact (sha256 differs)")
    if filename is not None and not any(s.get("name") == filename for s in subjects):
        raise VerificationFailed(f"the statement's subject is not named {filename!r}")
    return body


def sha256_of_file(path: str) -> str:
    """The sha256 of a local file (the package file an envelope should describe)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()

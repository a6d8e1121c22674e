"""An SBOM as an in-toto Statement (v1) in a DSSE envelope, and its offline verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from securesystemslib.dsse import Envelope
from securesystemslib.signer import Key

from attestation import dsse
from attestation.keys import ServiceKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPES = {
    "cyclonedx": "https://cyclonedx.org/bom",
    "spdx": "https://spdx.dev/Document",
    "spdx3": "https://spdx.dev/Document",  # in-toto's SPDX predicate; the document says 3.0.1
}
ENVELOPE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json"


class VerificationFailed(Exception):
    """An envelope that does not verify (signature, key, statement or subject)."""


class EnvelopeUnreadable(VerificationFailed):
    """A document that cannot be decoded as a DSSE envelope (a field missing, bad base64)."""


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


@dataclass(frozen=True)
class Verified:
    """A verified envelope: its Statement, the key that verified, and every signature's fate."""

    statement: dict
    keyid: str
    signatures: tuple[dsse.SignatureCheck, ...]


def _describe(checks: tuple[dsse.SignatureCheck, ...]) -> str:
    if not checks:
        return "the envelope has no signatures"
    return (
        "no signature verified with a published key ("
        + "; ".join(
            f"signature {c.index} by key id {c.keyid or '(none)'}: {c.outcome}" for c in checks
        )
        + ")"
    )


def verify_envelope(
    document: object,
    keys: list[Key],
    *,
    artifact_sha256: str | None = None,
    filename: str | None = None,
) -> Verified:
    """The verified envelope, or VerificationFailed (EnvelopeUnreadable if it cannot be decoded).

    DSSE's protocol (attestation/dsse.py): every signature is tried, failed ones are skipped,
    and the first that verifies names the key. Then the payload type must be in-toto's, the
    payload an in-toto Statement with an SBOM predicate and, when given, the subject the
    artifact (its sha256, or its file name).
    """
    try:
        decoded = dsse.decode(document)
    except dsse.NotAnEnvelope as error:
        raise EnvelopeUnreadable(f"not a DSSE envelope: {error}") from None
    checks = dsse.check_signatures(decoded, keys)
    keyid = next((c.verified_by for c in checks if c.verified_by), None)
    if keyid is None:
        raise VerificationFailed(_describe(checks))
    if decoded.payload_type != PAYLOAD_TYPE:
        raise VerificationFailed(f"payloadType is {decoded.payload_type!r}, not {PAYLOAD_TYPE!r}")
    try:
        body = json.loads(decoded.payload)
    except ValueError:
        raise VerificationFailed("the signed payload is not JSON") from None
    if (
        not isinstance(body, dict)
        or body.get("_type") != STATEMENT_TYPE
        or body.get("predicateType") not in PREDICATE_TYPES.values()
    ):
        raise VerificationFailed("the payload is not an in-toto Statement with an SBOM predicate")
    subjects = [s for s in body.get("subject") or [] if isinstance(s, dict)]
    if artifact_sha256 is not None and not any(
        (s.get("digest") or {}).get("sha256") == artifact_sha256.lower() for s in subjects
    ):
        raise VerificationFailed("the statement's subject is not this artifact (sha256 differs)")
    if filename is not None and not any(s.get("name") == filename for s in subjects):
        raise VerificationFailed(f"the statement's subject is not named {filename!r}")
    return Verified(body, keyid, checks)


def verify(
    document: object,
    keys: list[Key],
    *,
    artifact_sha256: str | None = None,
    filename: str | None = None,
) -> dict:
    """The verified Statement (see verify_envelope), or VerificationFailed saying why."""
    return verify_envelope(
        document, keys, artifact_sha256=artifact_sha256, filename=filename
    ).statement


def sha256_of_file(path: str) -> str:
    """The sha256 of a local file (the package file an envelope should describe)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()

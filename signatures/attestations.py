"""CEP-27 attestation sidecars: Sigstore bundle verification, then the CEP-27 statement checks."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any

from cryptography.x509 import Certificate
from sigstore.models import Bundle
from sigstore.verify import Verifier

from signatures.claims import signer_claims
from signatures.policy import PublisherPolicy
from signatures.statement import StatementError
from signatures.statement import check_statement

MAX_SIDECAR_BYTES = 4 * 1024 * 1024  # CEP-27 / rattler DEFAULT_MAX_SIDECAR_SIZE: 4 MiB
SIGSTORE_CHECK = (
    "sigstore bundle: certificate chain, SCT, Rekor entry and inclusion, DSSE signature"
)
PUBLISHER_CHECK = "publisher policy"
MAX_REASON_CHARS = 240  # sigstore's messages can carry a whole inclusion proof


class Verdict(StrEnum):
    """The closed set of outcomes for one package file's attestations."""

    VERIFIED = "verified"
    FAILED = "failed"
    UNTRUSTED = "untrusted"


@dataclass(frozen=True)
class Record:
    """The package file the sidecar must attest: its file name and sha256 (hex)."""

    filename: str
    sha256: str


@dataclass(frozen=True)
class Channel:
    """The serving channel's URL and the upstream channels it mirrors (accepted as targets)."""

    url: str
    mirror_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttestationResult:
    """What was found: verdict, reason on failure, the signer's claims and the checks done."""

    verdict: Verdict
    reason: str | None = None
    identity: str | None = None
    issuer: str | None = None
    source_repository: str | None = None
    workflow: str | None = None
    log_index: int | None = None
    target_channel: str | None = None
    checks: tuple[str, ...] = field(default_factory=tuple)


class _NoIdentityPolicy:
    """Sigstore identity policy that accepts any signer: the publisher policy is applied after."""

    def verify(self, cert: Certificate) -> None:
        """Accept; signatures.policy decides who is trusted, once the bundle is proven valid."""


def verify_sidecar(
    sidecar: bytes,
    record: Record,
    channel: Channel,
    policy: PublisherPolicy,
    verifier: Verifier,
) -> AttestationResult:
    """Verify a CEP-27 sidecar (JSON array of Sigstore bundles) for one record, offline."""
    if len(sidecar) > MAX_SIDECAR_BYTES:
        return _failed(f"sidecar is larger than {MAX_SIDECAR_BYTES} bytes", ())
    try:
        bundles = json.loads(sidecar)
    except (ValueError, UnicodeDecodeError):
        return _failed("sidecar is not JSON", ())
    if not isinstance(bundles, list) or not bundles:
        return _failed("sidecar is not a non-empty JSON array of Sigstore bundles", ())
    return _best([verify_bundle(b, record, channel, policy, verifier) for b in bundles])


def verify_bundle(
    raw: Any, record: Record, channel: Channel, policy: PublisherPolicy, verifier: Verifier
) -> AttestationResult:
    """Verify one Sigstore bundle (parsed JSON) and its CEP-27 statement against the record."""
    checks: list[str] = []
    try:
        bundle = Bundle.from_json(json.dumps(raw))
        payload_type, payload = verifier.verify_dsse(bundle, _NoIdentityPolicy())
    except Exception as error:  # noqa: BLE001 - any failure of untrusted input is a verdict
        return _failed(f"sigstore verification failed: {_describe(error)}", checks)
    checks.append(SIGSTORE_CHECK)
    try:
        target = check_statement(payload_type, payload, record, channel, checks)
    except StatementError as error:
        return _failed(str(error), checks)
    claims = signer_claims(bundle.signing_certificate)
    checks.append(PUBLISHER_CHECK)
    verdict = (
        Verdict.VERIFIED if policy.allows(claims.identity, claims.issuer) else Verdict.UNTRUSTED
    )
    return AttestationResult(
        verdict=verdict,
        reason=None if verdict is Verdict.VERIFIED else "signer is not an allowed publisher",
        identity=claims.identity,
        issuer=claims.issuer,
        source_repository=claims.source_repository,
        workflow=claims.workflow,
        log_index=_log_index(raw),
        target_channel=target,
        checks=tuple(checks),
    )


def _log_index(raw: dict[str, Any]) -> int | None:
    """The Rekor log index of a bundle sigstore has just verified (its SET/proof cover it)."""
    entries = raw["verificationMaterial"].get("tlogEntries") or [{}]
    index = entries[0].get("logIndex")
    return int(index) if index is not None else None


def _best(results: list[AttestationResult]) -> AttestationResult:
    """rattler's rule: one verified trusted bundle suffices; else untrusted beats failed."""
    for verdict in (Verdict.VERIFIED, Verdict.UNTRUSTED):
        for result in results:
            if result.verdict is verdict:
                return result
    if len(results) == 1:
        return results[0]
    reasons = "; ".join(f"bundle {i}: {r.reason}" for i, r in enumerate(results))
    return _failed(reasons, ())


def _failed(reason: str, checks: tuple[str, ...] | list[str]) -> AttestationResult:
    return AttestationResult(verdict=Verdict.FAILED, reason=reason, checks=tuple(checks))


def _describe(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


def decode_statement(raw: Any) -> dict[str, Any]:
    """The unverified in-toto statement of one bundle (for display and tests, never trust)."""
    return json.loads(base64.b64decode(raw["dsseEnvelope"]["payload"]))

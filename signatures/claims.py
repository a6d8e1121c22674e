"""The signer claims a Fulcio certificate carries: identity, issuer, repository, workflow."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat import asn1
from cryptography.x509.oid import ObjectIdentifier

# Fulcio's OID arc 1.3.6.1.4.1.57264.1 (docs: github.com/sigstore/fulcio, docs/oid-info.md)
_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
_SOURCE_REPOSITORY_URI = ObjectIdentifier("1.3.6.1.4.1.57264.1.12")
_BUILD_CONFIG_URI = ObjectIdentifier("1.3.6.1.4.1.57264.1.18")


@dataclass(frozen=True)
class SignerClaims:
    """Who signed: the certificate's SAN identity and the OIDC claims Fulcio recorded."""

    identity: str | None
    issuer: str | None
    source_repository: str | None
    workflow: str | None


def signer_claims(cert: x509.Certificate) -> SignerClaims:
    """Read the signer claims from a (verified) Fulcio certificate."""
    return SignerClaims(
        identity=_identity(cert),
        issuer=_utf8_claim(cert, _ISSUER_V2) or _raw_claim(cert, _ISSUER_V1),
        source_repository=_utf8_claim(cert, _SOURCE_REPOSITORY_URI),
        workflow=_utf8_claim(cert, _BUILD_CONFIG_URI),
    )


def _identity(cert: x509.Certificate) -> str | None:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    names = san.get_values_for_type(x509.UniformResourceIdentifier)
    names += san.get_values_for_type(x509.RFC822Name)
    return names[0] if names else None


def _extension(cert: x509.Certificate, oid: ObjectIdentifier) -> bytes | None:
    try:
        value = cert.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None
    return getattr(value, "value", None)


def _utf8_claim(cert: x509.Certificate, oid: ObjectIdentifier) -> str | None:
    raw = _extension(cert, oid)
    if raw is None:
        return None
    try:
        return asn1.decode_der(str, raw)
    except ValueError:
        return None


def _raw_claim(cert: x509.Certificate, oid: ObjectIdentifier) -> str | None:
    raw = _extension(cert, oid)
    return raw.decode("utf-8", "replace") if raw is not None else None

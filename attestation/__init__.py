"""Signed SBOMs: in-toto Statements in DSSE envelopes, signed with the service's key.

The interface: `load_signing_key(settings)` (the service's `ServiceKey`), `attest(key, ...)`
(one envelope), `published_keys(...)` (the key set served at a stable URL), and `verify(...)`
(what `conda-badges-verify` does offline). securesystemslib does the DSSE and the crypto.
See docs/signing.md.
"""

from attestation.envelope import PAYLOAD_TYPE
from attestation.envelope import PREDICATE_TYPES
from attestation.envelope import EnvelopeUnreadable
from attestation.envelope import VerificationFailed
from attestation.envelope import Verified
from attestation.envelope import attest
from attestation.envelope import statement
from attestation.envelope import verify
from attestation.envelope import verify_envelope
from attestation.keys import ServiceKey
from attestation.keys import keys_from_document
from attestation.keys import load_signing_key
from attestation.keys import published_keys

__all__ = [
    "PAYLOAD_TYPE",
    "PREDICATE_TYPES",
    "ServiceKey",
    "EnvelopeUnreadable",
    "VerificationFailed",
    "Verified",
    "attest",
    "keys_from_document",
    "load_signing_key",
    "published_keys",
    "statement",
    "verify",
    "verify_envelope",
]

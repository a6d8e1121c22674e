"""Package signatures: CEP-27 attestation sidecars verified offline with Sigstore.

The interface: `AttestationVerifier(trust_root=None).verify(sidecar, Record, Channel,
PublisherPolicy)` returns an `AttestationResult` (verdict verified / failed / untrusted, the
reason, the signer's identity, issuer, source repository, workflow, Rekor log index and the
checks done). Not yet wired into the API, page, badges or SBOMs. See docs/signatures.md.
"""

from signatures.attestations import MAX_SIDECAR_BYTES
from signatures.attestations import AttestationResult
from signatures.attestations import Channel
from signatures.attestations import Record
from signatures.attestations import Verdict
from signatures.policy import Publisher
from signatures.policy import PublisherPolicy
from signatures.verifier import AttestationVerifier
from signatures.verifier import TrustRootError
from signatures.verifier import load_verifier

__all__ = [
    "MAX_SIDECAR_BYTES",
    "AttestationResult",
    "AttestationVerifier",
    "Channel",
    "Publisher",
    "PublisherPolicy",
    "Record",
    "TrustRootError",
    "Verdict",
    "load_verifier",
]

"""Signer claims read from the two real Fulcio certificates, checked against a plain DER read;
a certificate without Fulcio's claims (Fulcio's own CA, from the shipped root) gives none."""

from __future__ import annotations

import base64
import json
from importlib import resources

import pytest
from cryptography import x509

from signatures.claims import signer_claims
from tests.signatures.conftest import OTHER_SIDECAR
from tests.signatures.conftest import SIDECAR

V1_ISSUER = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
V1_REPOSITORY = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.5")  # "owner/name", raw bytes


def _cert(path) -> x509.Certificate:
    raw = json.loads(path.read_bytes())[0]["verificationMaterial"]["certificate"]["rawBytes"]
    return x509.load_der_x509_certificate(base64.b64decode(raw))


def _raw(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    return cert.extensions.get_extension_for_oid(oid).value.value.decode()


@pytest.mark.parametrize("path", [SIDECAR, OTHER_SIDECAR], ids=["skill-forge", "actionlint"])
def test_claims_of_a_real_certificate(path):
    cert = _cert(path)
    claims = signer_claims(cert)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert claims.identity == san.get_values_for_type(x509.UniformResourceIdentifier)[0]
    assert claims.issuer == _raw(cert, V1_ISSUER)  # the v2 claim says the same as v1
    assert claims.source_repository == "https://github.com/" + _raw(cert, V1_REPOSITORY)
    assert claims.workflow == claims.identity  # GitHub: the build config is the signing workflow


def test_a_certificate_without_fulcio_claims_has_none():
    root = json.loads(
        (
            resources.files("sigstore._store")
            / "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
            / "trusted_root.json"
        ).read_bytes()
    )
    chain = root["certificateAuthorities"][-1]["certChain"]["certificates"]
    ca = x509.load_der_x509_certificate(base64.b64decode(chain[0]["rawBytes"]))
    claims = signer_claims(ca)
    assert (claims.identity, claims.issuer, claims.source_repository, claims.workflow) == (
        None,
        None,
        None,
        None,
    )

"""CEP-27 sidecars: the real prefix.dev bundle verifies offline; every tampered part, a wrong
record or channel fails with a reason; a signer outside the publisher policy is untrusted."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography import x509

from signatures import MAX_SIDECAR_BYTES
from signatures import Channel
from signatures import Publisher
from signatures import PublisherPolicy
from signatures import Record
from signatures import Verdict
from signatures.attestations import MAX_REASON_CHARS
from signatures.attestations import PUBLISHER_CHECK
from signatures.attestations import SIGSTORE_CHECK
from tests.signatures.conftest import subject_record

GITHUB_ISSUER_OID = "1.3.6.1.4.1.57264.1.1"  # Fulcio's v1 issuer claim: raw bytes


def _cert(sidecar_bytes: bytes) -> x509.Certificate:
    raw = json.loads(sidecar_bytes)[0]["verificationMaterial"]["certificate"]["rawBytes"]
    return x509.load_der_x509_certificate(base64.b64decode(raw))


def _san(sidecar_bytes: bytes) -> str:
    """The first URI in the signing certificate's SAN, read with cryptography directly."""
    san = _cert(sidecar_bytes).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return san.value.get_values_for_type(x509.UniformResourceIdentifier)[0]


def _der_utf8(cert: x509.Certificate, oid: str) -> str:
    """A Fulcio v2 claim: a DER UTF8String (tag 0x0c, short length)."""
    raw = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid)).value.value
    assert raw[0] == 0x0C and raw[1] < 0x80
    return raw[2:].decode()


def test_real_sidecar_verifies_offline(check, sidecar_bytes, channel, no_network):
    result = check()
    cert = _cert(sidecar_bytes)
    issuer = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(GITHUB_ISSUER_OID))
    entry = json.loads(sidecar_bytes)[0]["verificationMaterial"]["tlogEntries"][0]
    assert result.verdict is Verdict.VERIFIED, result.reason
    assert result.reason is None
    assert result.identity == _san(sidecar_bytes)
    assert result.issuer == issuer.value.value.decode()
    assert result.source_repository == _der_utf8(cert, "1.3.6.1.4.1.57264.1.12")
    assert result.workflow == _der_utf8(cert, "1.3.6.1.4.1.57264.1.18")
    assert result.log_index == int(entry["logIndex"])
    assert result.target_channel == channel.url
    assert result.checks == (
        SIGSTORE_CHECK,
        "payload type",
        "statement type",
        "predicate type",
        "one subject",
        "subject file name",
        "subject sha256",
        "target channel",
        PUBLISHER_CHECK,
    )


def _flip(text: str, at: int) -> str:
    """Flip one byte of base64-encoded data at `at` (of the decoded bytes)."""
    data = bytearray(base64.b64decode(text))
    data[at] ^= 0x01
    return base64.b64encode(bytes(data)).decode()


def _tampered(sidecar_bytes: bytes, part: str) -> bytes:
    bundles = json.loads(sidecar_bytes)
    bundle = bundles[0]
    envelope = bundle["dsseEnvelope"]
    material = bundle["verificationMaterial"]
    proof = material["tlogEntries"][0]["inclusionProof"]
    if part == "statement":
        envelope["payload"] = _flip(envelope["payload"], 40)
    elif part == "signature":
        envelope["signatures"][0]["sig"] = _flip(envelope["signatures"][0]["sig"], 20)
    elif part == "certificate":
        cert = material["certificate"]["rawBytes"]
        material["certificate"]["rawBytes"] = _flip(cert, len(base64.b64decode(cert)) // 2)
    elif part == "inclusion proof":
        proof["hashes"][0] = _flip(proof["hashes"][0], 0)
    elif part == "inclusion root":
        proof["rootHash"] = _flip(proof["rootHash"], 0)
    elif part == "signed entry timestamp":
        promise = material["tlogEntries"][0]["inclusionPromise"]
        promise["signedEntryTimestamp"] = _flip(promise["signedEntryTimestamp"], 10)
    return json.dumps(bundles).encode()


@pytest.mark.parametrize(
    ("part", "caught_by"),
    [
        ("statement", "DSSE: invalid signature"),
        ("signature", "DSSE: invalid signature"),
        ("certificate", "certificate chain"),
        ("inclusion proof", "inclusion proof contains invalid root hash"),
        ("inclusion root", "inclusion proof contains invalid root hash"),
        ("signed entry timestamp", "invalid inclusion promise"),
    ],
)
def test_a_flipped_byte_fails_with_a_reason(check, sidecar_bytes, part, caught_by):
    result = check(sidecar=_tampered(sidecar_bytes, part))
    assert result.verdict is Verdict.FAILED
    assert result.reason.startswith("sigstore verification failed: ")
    assert caught_by in result.reason
    assert len(result.reason) <= len("sigstore verification failed: ") + MAX_REASON_CHARS
    assert SIGSTORE_CHECK not in result.checks
    assert result.identity is None


def test_a_statement_for_another_digest_fails(check, record, sidecar_bytes):
    other = Record(record.filename, hashlib.sha256(sidecar_bytes).hexdigest())
    result = check(record=other)
    assert result.verdict is Verdict.FAILED
    assert other.sha256 in result.reason and record.sha256 in result.reason
    assert "subject file name" in result.checks and "subject sha256" not in result.checks


def test_a_statement_for_another_file_name_fails(check, record):
    other = Record(record.filename.replace(".conda", ".tar.bz2"), record.sha256)
    result = check(record=other)
    assert result.verdict is Verdict.FAILED
    assert other.filename in result.reason
    assert "subject file name" not in result.checks


def test_the_digest_is_compared_case_insensitively(check, record):
    result = check(record=Record(record.filename, record.sha256.upper()))
    assert result.verdict is Verdict.VERIFIED


def test_a_wrong_target_channel_fails(check, channel):
    other = Channel(url=channel.url + "-staging")
    result = check(channel=other)
    assert result.verdict is Verdict.FAILED
    assert "target channel" in result.reason and other.url in result.reason


def test_a_mirror_accepts_its_upstream_target_channel(check, channel):
    mirror = Channel(url="https://mirror.example.org/skill-forge", mirror_of=(channel.url + "/",))
    assert check(channel=mirror).verdict is Verdict.VERIFIED
    assert check(channel=Channel(url=mirror.url)).verdict is Verdict.FAILED


def _owner_glob(result_identity: str) -> str:
    """`https://github.com/<owner>/*` for the real signer (derived, not typed in)."""
    return "/".join(result_identity.split("/")[:4]) + "/*"


def test_a_signer_outside_the_publisher_policy_is_untrusted(check):
    signer = check()
    strangers = PublisherPolicy((Publisher(identity="https://github.com/conda-forge/*"),))
    result = check(policy=strangers)
    assert result.verdict is Verdict.UNTRUSTED
    assert result.reason == "signer is not an allowed publisher"
    assert result.identity == signer.identity  # who signed is still reported
    assert PUBLISHER_CHECK in result.checks


def test_the_publisher_policy_globs_identities_and_matches_issuers(check):
    signer = check()
    owner = _owner_glob(signer.identity)
    allowed = Publisher(identity=owner, issuer=signer.issuer)
    assert check(policy=PublisherPolicy((allowed,))).verdict is Verdict.VERIFIED
    wrong_issuer = Publisher(identity=owner, issuer="https://gitlab.com")
    assert check(policy=PublisherPolicy((wrong_issuer,))).verdict is Verdict.UNTRUSTED
    either = PublisherPolicy((wrong_issuer, allowed))
    assert check(policy=either).verdict is Verdict.VERIFIED


def test_one_good_bundle_among_bad_ones_verifies(check, sidecar_bytes):
    good = json.loads(sidecar_bytes)[0]
    bad = json.loads(_tampered(sidecar_bytes, "signature"))[0]
    assert check(sidecar=json.dumps([bad, good]).encode()).verdict is Verdict.VERIFIED
    both_bad = check(sidecar=json.dumps([bad, bad]).encode())
    assert both_bad.verdict is Verdict.FAILED
    assert both_bad.reason.startswith("bundle 0: sigstore verification failed")


@pytest.mark.parametrize(
    "body", [b"not json", b"{}", b"[]", b'[{"mediaType": 1}]', b"[1]", b"\xff\xfe"]
)
def test_a_malformed_sidecar_fails_with_a_reason(check, body):
    result = check(sidecar=body)
    assert result.verdict is Verdict.FAILED and result.reason


def test_the_size_cap_is_4_mib(check, sidecar_bytes):
    assert MAX_SIDECAR_BYTES == 4 * 1024 * 1024
    at_cap = sidecar_bytes + b" " * (MAX_SIDECAR_BYTES - len(sidecar_bytes))
    assert check(sidecar=at_cap).verdict is Verdict.VERIFIED
    over = check(sidecar=at_cap + b" ")
    assert over.verdict is Verdict.FAILED
    assert str(MAX_SIDECAR_BYTES) in over.reason


def test_a_second_real_sidecar_verifies_for_its_own_file(check, other_sidecar_bytes):
    envelope = json.loads(other_sidecar_bytes)[0]["dsseEnvelope"]
    target = json.loads(base64.b64decode(envelope["payload"]))["predicate"]["targetChannel"]
    result = check(
        sidecar=other_sidecar_bytes,
        record=subject_record(other_sidecar_bytes),
        channel=Channel(target),
    )
    assert result.verdict is Verdict.VERIFIED, result.reason
    assert (
        result.identity
        == _cert(other_sidecar_bytes)
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value.get_values_for_type(x509.UniformResourceIdentifier)[0]
    )
    assert result.identity != check().identity


def test_a_genuine_attestation_of_another_file_does_not_vouch_for_this_one(
    check, other_sidecar_bytes, record
):
    result = check(sidecar=other_sidecar_bytes)
    assert result.verdict is Verdict.FAILED
    assert SIGSTORE_CHECK in result.checks  # the bundle itself is valid...
    assert record.filename in result.reason  # ...but it names another file


def test_with_two_real_bundles_the_one_for_this_file_decides(
    check, sidecar_bytes, other_sidecar_bytes
):
    both = json.dumps(json.loads(other_sidecar_bytes) + json.loads(sidecar_bytes)).encode()
    assert check(sidecar=both).verdict is Verdict.VERIFIED
    other_signer = _owner_glob(_san(other_sidecar_bytes))
    assert other_signer.startswith("https://github.com/") and other_signer.endswith("/*")
    only_other = PublisherPolicy((Publisher(identity=other_signer),))
    result = check(sidecar=both, policy=only_other)
    assert result.verdict is Verdict.UNTRUSTED  # untrusted beats the other file's failure
    assert result.identity == check().identity

"""DSSE protocol cases (secure-systems-lab/dsse protocol.md and envelope.md): omitted and empty
key ids, several signatures in every order, unknown keys, bad base64, a wrong payloadType.

Each envelope is built here from a real SBOM Statement; which key made each signature is known
by construction, so the expected answer (does it verify, and by which key) comes from that
knowledge, not from the verifier: a signature counts when its signer is published and its key
id is empty or the signer's; the reported key is the first such in the envelope's order.
"""

from __future__ import annotations

import base64
import itertools
import json

import pytest
from securesystemslib.signer import CryptoSigner

from attestation import EnvelopeUnreadable
from attestation import VerificationFailed
from attestation import keys_from_document
from attestation import verify_envelope
from attestation.cli import main as verify_cli
from attestation.dsse import pae
from attestation.envelope import PAYLOAD_TYPE
from attestation.envelope import statement
from services.sbom.cyclonedx import render_cyclonedx
from tests.contents.conftest import ZLIB_CONDA
from tests.contents.conftest import record_of
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import find

SHA256 = record_of(ZLIB_CONDA)["sha256"]
SIGNERS = {name: CryptoSigner.generate_ed25519() for name in ("A", "B", "C")}
PUBLISHED = ("A", "B")  # C signs but is not in the key set


def _keyid(name: str) -> str:
    return SIGNERS[name].public_key.keyid


def _keys_document() -> dict:
    keys = []
    for name in PUBLISHED:
        public = SIGNERS[name].public_key
        keys.append({"keyid": public.keyid, **public.to_dict(), "status": "current"})
    return {"type": "conda-badges/sbom-keys/v1", "keys": keys}


KEYS = keys_from_document(_keys_document())


@pytest.fixture(scope="module")
def payload() -> bytes:
    sbom = json.loads(render_cyclonedx(facts_for(find("main", "linux-64", ZLIB_CONDA.name))))
    return statement("cyclonedx", ZLIB_CONDA.name, SHA256, sbom)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# A signature spec: (who signs, what the keyid field says). who: a signer's name or "junk";
# keyid: a signer's name (its id), "unknown", "" (empty) or None (field omitted).
SIGNATURE_KINDS = {
    "A": ("A", "A"),
    "A, keyid omitted": ("A", None),
    "A, keyid empty": ("A", ""),
    "B": ("B", "B"),
    "B, keyid omitted": ("B", None),
    "junk, unknown keyid": ("junk", "unknown"),
    "junk, keyid A": ("junk", "A"),
    "junk, keyid omitted": ("junk", None),
    "C (unpublished)": ("C", "C"),
    "C (unpublished), keyid omitted": ("C", None),
    "A, keyid B": ("A", "B"),
}


def _signature(kind: str, payload: bytes, payload_type: str = PAYLOAD_TYPE) -> dict:
    who, keyid = SIGNATURE_KINDS[kind]
    if who == "junk":
        sig = bytes(range(64))
    else:
        signed = SIGNERS[who].sign(pae(payload_type, payload))
        sig = bytes.fromhex(signed.signature)
    entry = {"sig": _b64(sig)}
    if keyid is not None:
        entry["keyid"] = (
            {"unknown": "00" * 32, "": ""}[keyid] if keyid in ("unknown", "") else (_keyid(keyid))
        )
    return entry


def _expected_key(kinds: tuple[str, ...]) -> str | None:
    """The oracle: the first signature whose signer is published and whose key id, if any,
    names that signer."""
    for kind in kinds:
        who, keyid = SIGNATURE_KINDS[kind]
        if who in PUBLISHED and keyid in (None, "", who):
            return _keyid(who)
    return None


def _envelope(kinds, payload: bytes) -> dict:
    return {
        "payload": _b64(payload),
        "payloadType": PAYLOAD_TYPE,
        "signatures": [_signature(kind, payload) for kind in kinds],
    }


COMBINATIONS = [(kind,) for kind in SIGNATURE_KINDS] + [
    order
    for group in (
        ("junk, unknown keyid", "A"),
        ("A", "junk, keyid A"),
        ("A", "A, keyid omitted"),
        ("A, keyid empty", "B"),
        ("C (unpublished)", "B, keyid omitted", "junk, keyid omitted"),
        ("junk, keyid A", "C (unpublished), keyid omitted", "A, keyid B"),
        ("A, keyid B", "B"),
    )
    for order in itertools.permutations(group)
]


@pytest.mark.parametrize("kinds", COMBINATIONS, ids=" | ".join)
def test_exactly_the_valid_envelopes_verify_and_the_verifying_key_is_reported(
    kinds, payload, tmp_path, capsys
):
    envelope = _envelope(kinds, payload)
    expected = _expected_key(kinds)
    (tmp_path / "e.json").write_text(json.dumps(envelope))
    (tmp_path / "k.json").write_text(json.dumps(_keys_document()))
    code = verify_cli([str(tmp_path / "e.json"), "--keys", str(tmp_path / "k.json"), "--json"])
    answer = json.loads(capsys.readouterr().out)
    if expected is None:
        assert code == 1 and answer["verified"] is False
        with pytest.raises(VerificationFailed):
            verify_envelope(envelope, KEYS)
        return
    assert code == 0 and answer["verified"] is True
    assert answer["keyid"] == expected
    assert answer["subject"] == [{"name": ZLIB_CONDA.name, "digest": {"sha256": SHA256}}]
    verified = verify_envelope(envelope, KEYS, artifact_sha256=SHA256)
    assert verified.keyid == expected
    # each signature's own verdict matches the oracle for that signature alone
    for kind, check in zip(kinds, verified.signatures, strict=True):
        assert check.verified_by == _expected_key((kind,))


def test_a_valid_signature_over_another_payload_type_does_not_verify(payload):
    other = "application/vnd.in-toto+jsoN"
    envelope = {
        "payload": _b64(payload),
        "payloadType": other,
        "signatures": [_signature("A", payload, payload_type=other)],
    }
    with pytest.raises(VerificationFailed, match="payloadType"):
        verify_envelope(envelope, KEYS)
    envelope["payloadType"] = PAYLOAD_TYPE  # signed over the other type: the signature fails
    with pytest.raises(VerificationFailed, match="bad signature"):
        verify_envelope(envelope, KEYS)


@pytest.mark.parametrize("encoding", ["standard", "url-safe", "unpadded url-safe"])
def test_standard_and_url_safe_base64_are_both_accepted(encoding, payload):
    envelope = _envelope(("A",), payload)

    def recode(text: str) -> str:
        raw = base64.b64decode(text)
        if encoding == "standard":
            return _b64(raw)
        safe = base64.urlsafe_b64encode(raw).decode()
        return safe.rstrip("=") if encoding.startswith("unpadded") else safe

    envelope["payload"] = recode(envelope["payload"])
    envelope["signatures"][0]["sig"] = recode(envelope["signatures"][0]["sig"])
    assert verify_envelope(envelope, KEYS).keyid == _keyid("A")


@pytest.mark.parametrize(
    "damage",
    [
        "payload not base64",
        "sig not base64",
        "no payload",
        "no payloadType",
        "no signatures",
        "no sig",
        "signatures not a list",
        "keyid not a string",
    ],
)
def test_an_undecodable_envelope_is_unreadable_input_exit_2(damage, payload, tmp_path, capsys):
    envelope = _envelope(("A", "B"), payload)
    if damage == "payload not base64":
        envelope["payload"] = "not base64!"
    elif damage == "sig not base64":
        envelope["signatures"][1]["sig"] = "@@@@"
    elif damage == "no sig":
        del envelope["signatures"][1]["sig"]
    elif damage == "signatures not a list":
        envelope["signatures"] = envelope["signatures"][0]
    elif damage == "keyid not a string":
        envelope["signatures"][0]["keyid"] = 7
    else:
        del envelope[damage.removeprefix("no ")]
    with pytest.raises(EnvelopeUnreadable):
        verify_envelope(envelope, KEYS)
    (tmp_path / "e.json").write_text(json.dumps(envelope))
    (tmp_path / "k.json").write_text(json.dumps(_keys_document()))
    code = verify_cli([str(tmp_path / "e.json"), "--keys", str(tmp_path / "k.json"), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 2 and answer == {"verified": False, "exit_code": 2, "reason": answer["reason"]}
    assert "not a DSSE envelope" in answer["reason"]


@pytest.mark.parametrize(
    "content", ["not json", "[1, 2]", '{"keys": [1]}', '{"keys": [{"keyid": "x"}]}']
)
def test_unreadable_inputs_exit_2(content, payload, tmp_path, capsys):
    good_envelope = json.dumps(_envelope(("A",), payload))
    good_keys = json.dumps(_keys_document())
    for envelope_text, keys_text in ((content, good_keys), (good_envelope, content)):
        (tmp_path / "e.json").write_text(envelope_text)
        (tmp_path / "k.json").write_text(keys_text)
        code = verify_cli([str(tmp_path / "e.json"), "--keys", str(tmp_path / "k.json")])
        assert code == 2, (envelope_text, keys_text)
        assert "cannot read input" in capsys.readouterr().err


def test_pae_matches_the_specs_test_vector():
    # protocol.md, "Test Vectors"
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )

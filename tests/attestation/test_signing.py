"""Signed SBOMs: envelopes verify with the CLI and with securesystemslib directly; a changed
byte anywhere fails; rotated keys keep verifying their old envelopes by key id."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from securesystemslib import exceptions
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner

from attestation import VerificationFailed
from attestation import attest
from attestation import keys_from_document
from attestation import load_signing_key
from attestation import published_keys
from attestation import verify
from attestation.cli import main as verify_cli
from attestation.keys import DEV_KEY_FILE
from attestation.keys import SigningKeyError
from common.settings import Settings
from services.sbom.cyclonedx import render_cyclonedx
from tests.contents.conftest import ZLIB_CONDA
from tests.contents.conftest import record_of
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import find

SHA256 = record_of(ZLIB_CONDA)["sha256"]


def _settings(tmp_path, **values) -> Settings:
    return Settings.from_env({"STATE_DIR": str(tmp_path)}, with_channels=False, **values)


@pytest.fixture(scope="module")
def sbom() -> dict:
    return json.loads(render_cyclonedx(facts_for(find("main", "linux-64", ZLIB_CONDA.name))))


def _write(path, value) -> str:
    path.write_text(json.dumps(value))
    return str(path)


def test_envelope_verifies_with_the_cli_and_with_securesystemslib(tmp_path, sbom):
    key = load_signing_key(_settings(tmp_path))
    envelope = attest(key, "cyclonedx", ZLIB_CONDA.name, SHA256, sbom)
    keys_doc = published_keys(key)
    # the DSSE library directly, with the published key
    parsed = Envelope.from_dict(json.loads(json.dumps(envelope)))
    accepted = parsed.verify(keys_from_document(keys_doc), 1)
    assert list(accepted) == [key.keyid]
    statement = json.loads(parsed.payload)
    assert statement["subject"] == [{"name": ZLIB_CONDA.name, "digest": {"sha256": SHA256}}]
    assert statement["predicateType"] == "https://cyclonedx.org/bom"
    assert statement["predicate"] == sbom
    # the CLI, offline, against the package file itself
    env_file = _write(tmp_path / "e.json", envelope)
    keys_file = _write(tmp_path / "k.json", keys_doc)
    assert verify_cli([env_file, "--keys", keys_file, "--artifact", str(ZLIB_CONDA)]) == 0
    other = ZLIB_CONDA.with_name("zlib-1.2.11-h7b6447c_3.tar.bz2")
    assert verify_cli([env_file, "--keys", keys_file, "--artifact", str(other)]) == 1


def _flip(text: str, index: int) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("where", ["payload", "signature", "payloadType"])
def test_a_changed_byte_fails(tmp_path, sbom, where):
    key = load_signing_key(_settings(tmp_path))
    envelope = attest(key, "cyclonedx", ZLIB_CONDA.name, SHA256, sbom)
    keys = keys_from_document(published_keys(key))
    assert verify(envelope, keys)["predicateType"] == "https://cyclonedx.org/bom"
    if where == "payload":
        envelope["payload"] = _flip(envelope["payload"], 200)
    elif where == "signature":
        envelope["signatures"][0]["sig"] = _flip(envelope["signatures"][0]["sig"], 5)
    else:
        envelope["payloadType"] = "application/vnd.in-toto+jsoN"
    with pytest.raises(VerificationFailed):
        verify(envelope, keys)
    with pytest.raises((exceptions.VerificationError, ValueError)):
        Envelope.from_dict(json.loads(json.dumps(envelope))).verify(keys, 1)
    env_file = _write(tmp_path / "e.json", envelope)
    keys_file = _write(tmp_path / "k.json", published_keys(key))
    assert verify_cli([env_file, "--keys", keys_file, "--quiet"]) == 1


def test_a_rotated_key_still_verifies_old_envelopes_by_key_id(tmp_path, sbom):
    old = CryptoSigner.generate_ed25519()
    new = CryptoSigner.generate_ed25519()
    (tmp_path / "old.pem").write_bytes(old.private_bytes)
    (tmp_path / "new.pem").write_bytes(new.private_bytes)
    public = tmp_path / "old.pub.pem"
    public.write_text(
        published_keys(
            load_signing_key(_settings(tmp_path, sbom_signing_key_file=tmp_path / "old.pem"))
        )["keys"][0]["public_key_pem"]
    )
    before = load_signing_key(_settings(tmp_path, sbom_signing_key_file=tmp_path / "old.pem"))
    old_envelope = attest(before, "spdx", ZLIB_CONDA.name, SHA256, {"spdxVersion": "SPDX-2.3"})
    after = load_signing_key(
        _settings(
            tmp_path,
            sbom_signing_key_file=tmp_path / "new.pem",
            sbom_previous_public_keys=(str(public),),
        )
    )
    keys_doc = published_keys(after)
    assert [(k["keyid"], k["status"]) for k in keys_doc["keys"]] == [
        (after.keyid, "current"),
        (before.keyid, "previous"),
    ]
    keys = keys_from_document(keys_doc)
    assert verify(old_envelope, keys)["predicateType"] == "https://spdx.dev/Document"
    new_envelope = attest(after, "spdx", ZLIB_CONDA.name, SHA256, {"spdxVersion": "SPDX-2.3"})
    assert verify(new_envelope, keys)
    assert new_envelope["signatures"][0]["keyid"] != old_envelope["signatures"][0]["keyid"]
    # without the previous key published, the old envelope no longer verifies
    only_new = keys_from_document(
        published_keys(
            load_signing_key(_settings(tmp_path, sbom_signing_key_file=tmp_path / "new.pem"))
        )
    )
    with pytest.raises(
        VerificationFailed, match="no signature verified with a published key.*unknown key"
    ):
        verify(old_envelope, only_new)


def test_signatures_are_deterministic_so_etags_hold(tmp_path, sbom):
    key = load_signing_key(_settings(tmp_path))
    again = load_signing_key(_settings(tmp_path))  # another worker: the same dev key file
    first = attest(key, "cyclonedx", ZLIB_CONDA.name, SHA256, sbom)
    assert attest(again, "cyclonedx", ZLIB_CONDA.name, SHA256, sbom) == first


def test_the_dev_key_is_private_and_not_published(tmp_path):
    key = load_signing_key(_settings(tmp_path))
    path = tmp_path / DEV_KEY_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    pem = path.read_text()
    assert "PRIVATE KEY" in pem
    published = json.dumps(published_keys(key))
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    assert body not in published and "PRIVATE" not in published
    assert body not in repr(key) and body not in repr(_settings(tmp_path, sbom_signing_key=pem))


def test_a_bad_key_is_refused_clearly(tmp_path):
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(SigningKeyError, match="not an unencrypted PEM private key"):
        load_signing_key(_settings(tmp_path, sbom_signing_key_file=tmp_path / "bad.pem"))
    assert load_signing_key(_settings(tmp_path, sbom_dev_key=False)) is None


def test_the_cli_says_why_and_exits_2_on_unreadable_input(tmp_path):
    keys = _write(tmp_path / "k.json", {"keys": []})
    result = subprocess.run(
        [sys.executable, "-m", "attestation.cli", str(tmp_path / "missing.json"), "--keys", keys],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "cannot read input" in result.stderr


def test_no_private_key_is_tracked_by_git():
    marker = (
        "-----BEGIN " + r"[A-Z ]*" + "PRIVATE KEY-----"
    )  # not spelled out: this file is tracked
    tracked = subprocess.run(
        ["git", "grep", "-l", "-E", "-e", marker, "--", "."],
        capture_output=True,
        text=True,
        check=False,
    )
    assert tracked.stdout == "", f"private keys in git: {tracked.stdout}"
    ignored = subprocess.run(["git", "check-ignore", "-q", f"var/{DEV_KEY_FILE}"], check=False)
    assert ignored.returncode == 0, "the dev key's folder (STATE_DIR=var/) must be ignored by git"

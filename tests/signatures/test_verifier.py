"""The entry point: a configurable trust root, verdicts remembered by file sha256, bounded."""

from __future__ import annotations

import json
from importlib import resources

import pytest

import signatures.verifier as verifier_module
from signatures import AttestationVerifier
from signatures import Channel
from signatures import Publisher
from signatures import PublisherPolicy
from signatures import Record
from signatures import TrustRootError
from signatures import Verdict

PRODUCTION = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
STAGING = "https%3A%2F%2Ftuf-repo-cdn.sigstage.dev"


def _shipped_root(instance: str, tmp_path) -> str:
    """Copy a trusted_root.json that the sigstore wheel ships to a file of our own."""
    source = resources.files("sigstore._store") / instance / "trusted_root.json"
    path = tmp_path / f"{len(instance)}-trusted_root.json"
    path.write_bytes(source.read_bytes())
    return str(path)


def test_the_shipped_trust_root_loads_and_verifies_offline(
    sidecar_bytes, record, channel, no_network
):
    verifier = AttestationVerifier()
    result = verifier.verify(sidecar_bytes, record, channel, PublisherPolicy())
    assert result.verdict is Verdict.VERIFIED


def test_a_configured_trust_root_is_used(sidecar_bytes, record, channel, tmp_path, no_network):
    production = AttestationVerifier(trust_root=_shipped_root(PRODUCTION, tmp_path))
    staging = AttestationVerifier(trust_root=_shipped_root(STAGING, tmp_path))
    policy = PublisherPolicy()
    assert production.verify(sidecar_bytes, record, channel, policy).verdict is Verdict.VERIFIED
    other = staging.verify(sidecar_bytes, record, channel, policy)
    assert other.verdict is Verdict.FAILED
    assert other.reason.startswith("sigstore verification failed: ")


@pytest.mark.parametrize(
    "content", [json.dumps({"mediaType": "nonsense"}), "{", None], ids=["schema", "json", "none"]
)
def test_a_trust_root_that_is_not_one_is_refused(tmp_path, content):
    path = tmp_path / "root.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(TrustRootError, match="is not usable: ") as caught:
        AttestationVerifier(trust_root=str(path))
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


@pytest.fixture
def counted(monkeypatch):
    """Count the real verify_sidecar calls the cache lets through."""
    calls = []
    real = verifier_module.verify_sidecar

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(verifier_module, "verify_sidecar", counting)
    return calls


def test_a_verdict_is_computed_once_per_input(sidecar_bytes, record, channel, counted):
    verifier = AttestationVerifier()
    policy = PublisherPolicy()
    first = verifier.verify(sidecar_bytes, record, channel, policy)
    again = verifier.verify(sidecar_bytes, record, channel, policy)
    assert again is first and len(counted) == 1
    assert verifier.cached(Record(record.filename, record.sha256.upper())) == [first]


def test_the_policy_channel_and_sidecar_are_part_of_the_key(
    sidecar_bytes, record, channel, counted
):
    verifier = AttestationVerifier()
    trusted = verifier.verify(sidecar_bytes, record, channel, PublisherPolicy())
    strangers = PublisherPolicy((Publisher(identity="https://github.com/conda-forge/*"),))
    untrusted = verifier.verify(sidecar_bytes, record, channel, strangers)
    moved = verifier.verify(sidecar_bytes, record, Channel(channel.url + "-x"), PublisherPolicy())
    broken = verifier.verify(b"[]", record, channel, PublisherPolicy())
    assert trusted.verdict is Verdict.VERIFIED
    assert untrusted.verdict is Verdict.UNTRUSTED
    assert moved.verdict is Verdict.FAILED and broken.verdict is Verdict.FAILED
    assert len(counted) == 4 and len(verifier) == 4


def test_the_cache_is_bounded_and_keeps_the_recently_used(sidecar_bytes, record, channel):
    verifier = AttestationVerifier(cache_size=2)
    files = [Record(f"{n}-{record.filename}", f"{n:064x}") for n in range(3)]
    verify = [
        lambda f=f: verifier.verify(sidecar_bytes, f, channel, PublisherPolicy()) for f in files
    ]
    verify[0]()
    verify[1]()
    verify[0]()  # a read renews the first file's verdict
    verify[2]()
    assert len(verifier) == 2
    assert verifier.cached(files[0]) and verifier.cached(files[2])
    assert verifier.cached(files[1]) == []

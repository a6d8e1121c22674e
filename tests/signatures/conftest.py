"""Fixtures for signatures/: the real prefix.dev sidecar and the record its statement names."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

import pytest
from sigstore.verify import Verifier

from signatures import AttestationResult
from signatures import Channel
from signatures import PublisherPolicy
from signatures import Record
from signatures import load_verifier
from signatures.attestations import verify_sidecar

ANYONE = PublisherPolicy()
ATTESTATIONS = Path(__file__).resolve().parents[2] / "data/attestations"
SIDECAR = ATTESTATIONS / "agent-skill-conda-forge-0.0.21-h4616a5c_0.conda.sigs"
OTHER_SIDECAR = ATTESTATIONS / "actionlint-1.7.12-h60d57d3_0.conda.sigs"


@pytest.fixture(scope="session")
def sidecar_bytes() -> bytes:
    """The real CEP-27 sidecar, byte for byte as prefix.dev served it."""
    return SIDECAR.read_bytes()


@pytest.fixture(scope="session")
def other_sidecar_bytes() -> bytes:
    """A second real sidecar: another file, channel and signer (prefix.dev github-releases)."""
    return OTHER_SIDECAR.read_bytes()


def subject_record(sidecar: bytes) -> Record:
    """The record a sidecar's first statement names, decoded with the standard library."""
    envelope = json.loads(sidecar)[0]["dsseEnvelope"]
    subject = json.loads(base64.b64decode(envelope["payload"]))["subject"][0]
    return Record(filename=subject["name"], sha256=subject["digest"]["sha256"])


@pytest.fixture(scope="session")
def statement(sidecar_bytes: bytes) -> dict:
    """The in-toto statement of the sidecar's one bundle, decoded with the standard library."""
    envelope = json.loads(sidecar_bytes)[0]["dsseEnvelope"]
    return json.loads(base64.b64decode(envelope["payload"]))


@pytest.fixture(scope="session")
def record(statement: dict) -> Record:
    """The file the sidecar attests: its statement's subject (the .conda is not in data/)."""
    return subject_record(SIDECAR.read_bytes())


@pytest.fixture(scope="session")
def channel(statement: dict) -> Channel:
    """The channel that served the sidecar: the statement's own targetChannel."""
    return Channel(url=statement["predicate"]["targetChannel"])


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access during offline verification")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="session")
def sigstore_verifier() -> Verifier:
    """A Sigstore verifier on the public-good trust root shipped with `sigstore`."""
    return load_verifier()


@pytest.fixture
def check(sidecar_bytes: bytes, record: Record, channel: Channel, sigstore_verifier: Verifier):
    """verify_sidecar with the real inputs as defaults; pass any of them to replace one."""

    def run(
        sidecar: bytes = sidecar_bytes,
        record: Record = record,
        channel: Channel = channel,
        policy: PublisherPolicy = ANYONE,
    ) -> AttestationResult:
        return verify_sidecar(sidecar, record, channel, policy, sigstore_verifier)

    return run

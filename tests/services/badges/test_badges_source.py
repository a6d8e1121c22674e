"""The short facts cache: public reads are reused for a few seconds, token reads never."""

from __future__ import annotations

import pytest

from common.errors import NotFound
from services.badges.source import ArtifactSource
from tests.services.badges.helpers import FakeMetadataClient


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_public_reads_are_cached_for_ttl():
    client, clock = FakeMetadataClient(), Clock()
    source = ArtifactSource(client, ttl=5.0, clock=clock)
    assert source.artifact("main", "zlib")["latest_version"] == "1.2.11"
    source.artifact("main", "zlib")
    assert len(client.calls) == 1
    clock.now += 5.1
    source.artifact("main", "zlib")
    assert len(client.calls) == 2


def test_subchannel_is_part_of_the_key():
    client = FakeMetadataClient()
    source = ArtifactSource(client, ttl=5.0, clock=Clock())
    source.artifact("main", "zlib")
    source.artifact("main", "zlib", "dev")
    assert len(client.calls) == 2


def test_token_reads_are_never_cached_and_carry_the_token():
    client = FakeMetadataClient()
    source = ArtifactSource(client, ttl=5.0, clock=Clock())
    source.artifact("main", "zlib", token="t1")
    source.artifact("main", "zlib", token="t1")
    source.artifact("main", "zlib")
    assert client.calls == [
        ("main", "zlib", None, "t1"),
        ("main", "zlib", None, "t1"),
        ("main", "zlib", None, None),
    ]
    assert len(source._entries) == 1


def test_private_artifacts_are_not_cached_even_without_token():
    client = FakeMetadataClient({("private", "r"): {"name": "r", "private": True}})
    source = ArtifactSource(client, ttl=5.0, clock=Clock())
    source.artifact("private", "r")
    source.artifact("private", "r")
    assert len(client.calls) == 2


def test_errors_are_not_cached():
    client = FakeMetadataClient()
    source = ArtifactSource(client, ttl=5.0, clock=Clock())
    for _ in range(2):
        with pytest.raises(NotFound):
            source.artifact("main", "nope")
    assert len(client.calls) == 2


def test_size_is_bounded():
    client = FakeMetadataClient({("c", f"p{i}"): {"name": f"p{i}"} for i in range(10)})
    source = ArtifactSource(client, ttl=5.0, maxsize=3, clock=Clock())
    for i in range(10):
        source.artifact("c", f"p{i}")
    assert len(source._entries) == 3

"""Test helpers for the badges tests: a fake MetadataClient (unit tests only), SVG parsing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

from common.errors import NotFound
from common.metadata_client import MetadataClient

ZLIB = {
    "name": "zlib",
    "channel": "main",
    "subchannel": None,
    "license": "zlib",
    "license_spdx": "Zlib",
    "latest_version": "1.2.11",
    "versions": ["1.2.11"],
    "platforms": ["linux-64", "osx-64", "win-32", "win-64"],
    "created_at": "2018-11-21T15:41:04Z",
    "updated_at": "2018-11-21T15:41:04Z",
    "download_count": None,
    "private": False,
}


class FakeMetadataClient:
    """Answers artifact() from a dict, raises a configured error, and counts calls."""

    base_url = "http://127.0.0.1:9"  # nothing listens: /readyz must say "not ready"
    timeout = (0.2, 0.2)

    def __init__(self, artifacts: dict[tuple[str, str], dict] | None = None):
        self.session = requests.Session()
        self.artifacts = dict(artifacts or {("main", "zlib"): ZLIB})
        self.error: Exception | None = None
        self.calls: list[tuple[str, str, str | None, str | None]] = []

    # the real readiness probe, against an address where nothing listens
    ready = MetadataClient.ready

    def artifact(self, channel, name, subchannel=None, token=None):
        """The stored artifact, or the configured error, or NotFound."""
        self.calls.append((channel, name, subchannel, token))
        if self.error is not None:
            raise self.error
        if (channel, name) not in self.artifacts:
            raise NotFound("no such package", code="package_not_found")
        return {**self.artifacts[(channel, name)], "subchannel": subchannel}


def parse_svg(data: bytes) -> ET.Element:
    """Parse an SVG this service rendered (trusted: our own output)."""
    return ET.fromstring(data)  # noqa: S314 - parses our own badges, not foreign input

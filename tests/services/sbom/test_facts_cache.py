"""Gathered facts are reused for SBOM_FACTS_TTL seconds, never across access scopes."""

from __future__ import annotations

import pytest

from common.settings import Settings
from services.sbom import create_app
from tests.conftest import mint
from tests.services.sbom.fakes import FakeMetadataClient

SECRET = "unit-test-secret-" + "x" * 32
ISSUER = "conda-badges-dev"
R_BASE = "/private/linux-64/r-base-3.4.2-haf99962_0.tar.bz2.cdx.json"
ZLIB = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda.cdx.json"


def _client(tmp_path, fake, ttl: float = 5.0):
    settings = Settings.from_env(
        {"STATE_DIR": str(tmp_path)},
        with_channels=False,
        token_hs256_secret=SECRET,
        token_issuer=ISSUER,
        internal_key="unit-test-internal-key",
        sbom_facts_ttl=ttl,
    )
    app = create_app(settings, metadata_client=fake)
    app.testing = True
    return app.test_client()


def _token(channels="private", **claims) -> str:
    return mint(channels, audience="sbom", secret=SECRET, issuer=ISSUER, **claims)


def test_a_repeat_costs_no_metadata_call(tmp_path):
    fake = FakeMetadataClient()
    client = _client(tmp_path, fake)
    first = client.get(ZLIB)
    calls = len(fake.calls)
    again = client.get(ZLIB)
    assert (first.status_code, again.data) == (200, first.data)
    assert len(fake.calls) == calls
    off = FakeMetadataClient()
    client = _client(tmp_path / "off", off, ttl=0)
    client.get(ZLIB)
    calls = len(off.calls)
    client.get(ZLIB)
    assert len(off.calls) == 2 * calls


def test_private_facts_are_never_reused_without_a_valid_token_for_the_channel(tmp_path):
    token = _token()
    fake = FakeMetadataClient(token=token)
    client = _client(tmp_path, fake)
    assert client.get(R_BASE, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    calls = len(fake.calls)
    # another valid token for the channel reuses them (this service checked it)
    other = _token()
    reused = client.get(R_BASE, headers={"Authorization": f"Bearer {other}"})
    assert reused.status_code == 200 and len(fake.calls) == calls
    # no token, a forged one, one for another channel, a revoked-looking expired one: the
    # gateway is asked (the fake refuses them as the gateway does) and nothing leaks
    for headers in (
        {},
        {"Authorization": "Bearer " + token[:-4] + "AAAA"},
        {"Authorization": f"Bearer {_token('main')}"},
        {"Authorization": f"Bearer {_token(exp=1, iat=0)}"},
    ):
        response = client.get(R_BASE, headers=headers)
        assert response.status_code == 404, headers
        assert b"r-base" not in response.data.replace(b"r-base-3.4.2", b"")
    assert len(fake.calls) > calls


@pytest.mark.parametrize("ttl", [5.0])
def test_errors_are_not_kept(tmp_path, ttl):
    fake = FakeMetadataClient()
    client = _client(tmp_path, fake, ttl)
    missing = "/main/linux-64/zlib-9.9-h0_0.conda.cdx.json"
    assert client.get(missing).status_code == 404
    calls = len(fake.calls)
    assert client.get(missing).status_code == 404
    assert len(fake.calls) > calls

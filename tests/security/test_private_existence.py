"""Finding 10: any junk token confirmed that a private channel exists (401/403 for a private
channel, 404 for a missing one) on the API, badges and SBOMs."""

from __future__ import annotations

import pytest

from tests.conftest import mint
from tests.security.conftest import request

pytestmark = pytest.mark.integration

JUNK = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bm90LWEtc2lnbmF0dXJlLWF0LWFsbA"
FILE = "linux-64/r-base-3.2.0-0.tar.bz2"
PATHS = {
    "api": "/api/channels/{ch}/artifacts/conda/r-base",
    "badge": "/{ch}/r-base/badges/version.svg",
    "shields": "/{ch}/r-base/badges/version.json",
    "sbom": "/{ch}/" + FILE + ".cdx.json",
}


def _pair(attacked, kind: str, headers: dict, query: str = ""):
    answers = [
        request(
            attacked.gateway_url,
            PATHS[kind].format(ch=ch) + query,
            headers=headers,
            source="127.0.0.91",
        )
        for ch in ("private", "no-such-channel")
    ]
    bodies = [
        a.body.replace(ch.encode(), b"CH")
        for a, ch in zip(answers, ("private", "no-such-channel"), strict=True)
    ]
    return answers, bodies


@pytest.mark.parametrize("kind", PATHS)
@pytest.mark.parametrize("placement", ["bearer", "query"])
def test_a_junk_token_cannot_tell_a_private_channel_from_a_missing_one(attacked, kind, placement):
    headers = {"Authorization": f"Bearer {JUNK}"} if placement == "bearer" else {}
    query = f"?token={JUNK}" if placement == "query" else ""
    (private, missing), (body_private, body_missing) = _pair(attacked, kind, headers, query)
    assert private.status == missing.status
    assert private.type == missing.type
    assert body_private == body_missing


@pytest.mark.parametrize("kind", PATHS)
def test_a_valid_token_for_another_channel_cannot_tell_them_apart_either(attacked, kind):
    token = mint("main", audience=["api", "badges", "sbom"])
    (private, missing), (body_private, body_missing) = _pair(
        attacked, kind, {"Authorization": f"Bearer {token}"}
    )
    assert private.status == missing.status
    assert body_private == body_missing


def test_the_right_token_still_reads_the_private_channel(attacked):
    token = mint("private", audience=["api", "badges", "sbom"])
    for kind in PATHS:
        answer = request(
            attacked.gateway_url,
            PATHS[kind].format(ch="private"),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status == 200, (kind, answer.body[:200])

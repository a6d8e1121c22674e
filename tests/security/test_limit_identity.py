"""Finding 5: the rate limit counted a token's `sub` without checking the signature: a
self-made token with a fresh `sub` got unlimited requests, and forged tokens carrying a real
`sub` locked the real token out."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from tests.conftest import mint
from tests.security.conftest import LIMIT
from tests.security.conftest import request

pytestmark = pytest.mark.integration

CHEAP = "/api/channels"


def _forged(subject: str) -> str:
    good = jwt.decode(mint("private"), options={"verify_signature": False})
    return jwt.encode({**good, "sub": subject}, "not-the-secret-" + "x" * 32, algorithm="HS256")


def _burst(base: str, source: str, count: int, token: str | None = None) -> list[int]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def one(_: int) -> int:
        return request(base, CHEAP, source=source, headers=headers).status

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def test_a_forged_token_does_not_escape_the_limit_of_its_address(attacked):
    source = "127.0.0.61"
    assert 429 in _burst(attacked.gateway_url, source, LIMIT + 5)
    statuses = []
    for _ in range(20):  # each with a fresh, never-seen subject
        forged = _forged("fresh-" + uuid.uuid4().hex)
        headers = {"Authorization": f"Bearer {forged}"}
        statuses.append(request(attacked.gateway_url, CHEAP, source=source, headers=headers).status)
    assert set(statuses) == {429}


def test_forged_tokens_with_a_real_subject_cannot_lock_the_real_token_out(attacked):
    victim_subject = "svc-" + uuid.uuid4().hex[:8]
    statuses = _burst(attacked.gateway_url, "127.0.0.62", LIMIT + 5, _forged(victim_subject))
    assert 429 in statuses  # the forger ran into its own address's limit
    real = mint("private", sub=victim_subject)
    answer = request(
        attacked.gateway_url,
        CHEAP,
        source="127.0.0.63",
        headers={"Authorization": f"Bearer {real}"},
    )
    assert answer.status == 200

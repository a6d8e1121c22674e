"""How long shared caches may keep public answers (gateway/shared_lifetime.py)."""

import pytest

from gateway.response_cache import shared_max_age
from gateway.shared_lifetime import WITHDRAWN_MAX_AGE
from gateway.shared_lifetime import cap_shared_lifetime
from gateway.shared_lifetime import withdrawn_cache_control
from tests.conftest import gateway_client
from tests.conftest import mint


@pytest.mark.parametrize("status", [403, 404, 410])
def test_a_public_withdrawal_answer_is_storable_briefly(status):
    header = withdrawn_cache_control(status, tokenized=False, current=None)
    assert shared_max_age(header) == WITHDRAWN_MAX_AGE


@pytest.mark.parametrize(
    ("status", "tokenized", "current"),
    [(200, False, None), (400, False, None), (429, False, None), (503, False, None)]
    + [(404, True, None), (404, False, "max-age=60"), (404, False, "no-store")],
)
def test_other_answers_keep_what_they_had(status, tokenized, current):
    assert withdrawn_cache_control(status, tokenized, current) is None


@pytest.mark.parametrize(
    ("header", "cap", "shared"),
    [
        ("max-age=3600, s-maxage=3600", 300, 300),
        ("public, max-age=86400", 300, 300),
        ("max-age=60, s-maxage=60", 300, 60),
        ("private, no-store", 300, None),
        (None, 300, None),
    ],
)
def test_the_shared_lifetime_is_capped_and_the_browsers_kept(header, cap, shared):
    capped = cap_shared_lifetime(header, cap)
    assert shared_max_age(capped) == shared
    if header is not None and "max-age=" in header:  # what browsers keep is unchanged
        browser = next(p for p in header.split(", ") if p.startswith("max-age"))
        assert browser in capped


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return gateway_client(tmp_path_factory.mktemp("state"), RATE_LIMIT="off")


@pytest.mark.parametrize(
    "path",
    [
        "/api/channels/main/artifacts/conda/no-such-package",
        "/api/channels/private/artifacts/conda/r-base",  # private: 404 without a token
        "/api/channels/no-such-channel/artifacts",
    ],
)
def test_the_gateways_public_404s_are_shared_briefly(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == f"public, max-age={WITHDRAWN_MAX_AGE}"


def test_a_404_to_a_token_is_not_shared(client):
    token = mint("private", audience="api")
    response = client.get(
        "/api/channels/private/artifacts/conda/no-such-package",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404
    assert "public" not in response.headers.get("Cache-Control", "")

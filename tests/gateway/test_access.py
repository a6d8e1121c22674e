"""Private channels through the real gateway app (Flask test client, real channel data)."""

from __future__ import annotations

import pytest

from common.settings import Settings
from gateway import create_app
from tests.common.test_tokens_helpers import ISSUER
from tests.common.test_tokens_helpers import SECRET
from tests.common.test_tokens_helpers import alg_none
from tests.common.test_tokens_helpers import hs256_with_secret
from tests.common.test_tokens_helpers import payload
from tests.common.test_tokens_helpers import private_key
from tests.common.test_tokens_helpers import sign
from tests.common.test_tokens_helpers import write_public_key

INTERNAL_KEY = "gateway-test-internal-key"
ARTIFACT = "/api/channels/private/artifacts/conda/r-base"


@pytest.fixture(scope="module")
def rsa_key(tmp_path_factory):
    """An RS256 signing key and its public PEM file."""
    directory = tmp_path_factory.mktemp("keys")
    key = private_key("RS256")
    return key, write_public_key(directory, "rsa-1", key)


@pytest.fixture(scope="module")
def client(tmp_path_factory, rsa_key):
    """The gateway with HS256 and RS256 keys, an internal key and a deny list file."""
    state = tmp_path_factory.mktemp("state")
    settings = Settings.from_env(
        {
            "STATE_DIR": str(state),
            "TOKEN_ALGORITHMS": "HS256,RS256",
            "TOKEN_HS256_SECRET": SECRET,
            "TOKEN_PUBLIC_KEY_FILES": str(rsa_key[1]),
            "TOKEN_ISSUER": ISSUER,
            "TOKEN_DENYLIST_FILE": str(state / "denylist.txt"),
            "INTERNAL_API_KEY": INTERNAL_KEY,
        }
    )
    (state / "denylist.txt").write_text("")  # a missing deny list would refuse every token
    app = create_app(settings)
    app.config["DENYLIST"] = state / "denylist.txt"
    return app.test_client()


def _error(response, status: int, code: str) -> None:
    """Assert an error answer with this status and a code starting with `code`, and no data."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"].startswith(code)
    assert "r-base" not in response.get_data(as_text=True) or status == 404


def test_valid_tokens_read_the_private_channel(client, rsa_key):
    for token in (sign(payload()), sign(payload(), rsa_key[0], "RS256", kid="rsa-1")):
        for url in (ARTIFACT, ARTIFACT + "/files", ARTIFACT + "/dependencies"):
            response = client.get(url, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.get_data(as_text=True)
            assert response.headers["Cache-Control"] == "private, no-store"
        body = client.get(f"{ARTIFACT}?token={token}").get_json()
        assert body["name"] == "r-base" and body["private"] is True
        assert client.get(f"/t/{token}{ARTIFACT}").get_json()["name"] == "r-base"


def test_no_token_is_the_same_404_as_a_missing_channel(client):
    hidden = client.get(ARTIFACT)
    missing = client.get("/api/channels/no-such-channel/artifacts/conda/r-base")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["error"]["code"] == "channel_not_found"
    assert hidden.get_data() == missing.get_data().replace(b"no-such-channel", b"private")
    sub = client.get("/api/channels/private/subchannels/dev/artifacts/conda/r-base")
    assert sub.get_json()["error"]["code"] == "channel_not_found"


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"exp": 1000, "iat": 0}, "token_expired"),
        ({"iat": 4_000_000_000, "exp": 4_000_000_600}, "token_not_yet_valid"),
        ({"nbf": 4_000_000_000, "exp": 4_000_000_600}, "token_not_yet_valid"),
        ({"iss": "someone-else"}, "token_wrong_issuer"),
        ({"aud": "badges"}, "token_wrong_audience"),
        ({"jti": None}, "token_missing_claim"),
    ],
)
def test_bad_tokens_are_401_with_their_class(client, claims, code):
    _error(client.get(f"{ARTIFACT}?token={sign(payload(**claims))}"), 401, code)


def test_forged_and_broken_tokens(client, rsa_key):
    pem = rsa_key[1].read_bytes()
    good = sign(payload())
    cases = {
        alg_none(payload()): "token_invalid",
        hs256_with_secret(payload(), pem): "token_invalid",
        hs256_with_secret(payload(), pem, kid="rsa-1"): "token_invalid",
        sign(payload(), private_key("RS256"), "RS256", kid="rsa-1"): "token_invalid",
        good[:-6]: "token_",
        good[: len(good) // 2]: "token_",
        "not-a-jwt": "token_malformed",
        "eyJ" + "A" * 20_000 + ".e30.x": "token_too_large",
    }
    for token, code in cases.items():
        _error(client.get(ARTIFACT, headers={"Authorization": f"Bearer {token}"}), 401, code)


def test_scope(client):
    _error(
        client.get(f"{ARTIFACT}?token={sign(payload(scope='channel:main'))}"),
        403,
        "insufficient_scope",
    )
    _error(client.get(f"{ARTIFACT}?token={sign(payload(scope=''))}"), 403, "insufficient_scope")
    labelled = sign(payload(scope="channel:private/label:dev"))
    _error(client.get(f"{ARTIFACT}?token={labelled}"), 403, "insufficient_scope")
    on_label = client.get(
        f"/api/channels/private/subchannels/dev/artifacts/conda/r-base?token={labelled}"
    )
    assert on_label.status_code != 403  # past the access check; the driver decides the rest


def test_revoked(client):
    token = sign(payload(jti="gateway-revoked"))
    assert client.get(f"{ARTIFACT}?token={token}").status_code == 200
    client.application.config["DENYLIST"].write_text("gateway-revoked\n")
    _error(client.get(f"{ARTIFACT}?token={token}"), 401, "token_revoked")


def test_two_different_tokens_are_400(client):
    one, two = sign(payload()), sign(payload())
    _error(client.get(f"/t/{one}{ARTIFACT}?token={two}"), 400, "conflicting_tokens")


def test_services_use_their_own_audience_with_the_internal_key(client):
    badge = sign(payload(aud="badges"))
    as_service = {
        "Authorization": f"Bearer {badge}",
        "X-Internal-Key": INTERNAL_KEY,
        "X-Token-Audience": "badges",
    }
    assert client.get(ARTIFACT, headers=as_service).status_code == 200
    _error(
        client.get(ARTIFACT, headers={**as_service, "X-Token-Audience": "sbom"}),
        401,
        "token_wrong_audience",
    )
    _error(
        client.get(ARTIFACT, headers={**as_service, "X-Internal-Key": "guess"}),
        401,
        "token_wrong_audience",
    )
    _error(
        client.get(ARTIFACT, headers={"Authorization": f"Bearer {badge}"}),
        401,
        "token_wrong_audience",
    )
    _error(
        client.get(ARTIFACT, headers={**as_service, "X-Token-Audience": "api"}),
        400,
        "invalid_token_audience",
    )
    # without the key, the audience header is ignored: an api token still works
    api = sign(payload())
    assert (
        client.get(
            ARTIFACT, headers={"Authorization": f"Bearer {api}", "X-Token-Audience": "badges"}
        ).status_code
        == 200
    )


def test_public_channels_ignore_tokens_but_are_not_cached(client):
    expired = sign(payload(exp=1000, iat=0))
    response = client.get(f"/api/channels/main/artifacts/conda/zlib?token={expired}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_channel_listing(client):
    def names(**kwargs):
        response = client.get("/api/channels", **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return {item["name"] for item in response.get_json()["items"]}

    assert "private" not in names() and "main" in names()
    assert "private" in names(query_string={"token": sign(payload())})
    assert "private" in names(
        query_string={"token": sign(payload(scope="channel:private/label:x"))}
    )
    assert "private" not in names(query_string={"token": sign(payload(scope="channel:main"))})
    _error(client.get("/api/channels", query_string={"token": "garbage"}), 401, "token_malformed")

"""Where tokens come from, through a real Flask app with `init_app` installed."""

from __future__ import annotations

import pytest
from flask import Flask
from flask import g
from flask import jsonify
from flask import request

from common.errors import InvalidParameter
from common.errors import register_error_handlers
from common.tokens import init_app
from common.tokens import require_access
from common.tokens.extract import ENVIRON_KEY
from common.tokens.extract import TokenStripper
from tests.common.test_tokens_helpers import make_settings
from tests.common.test_tokens_helpers import payload
from tests.common.test_tokens_helpers import sign


@pytest.fixture
def app(tmp_path) -> Flask:
    """A small service app (audience badges) with one view per channel."""
    app = Flask(__name__)
    register_error_handlers(app)

    @app.before_request
    def _guard():  # like common.guards: registered before init_app, may refuse the request
        if request.path.startswith("/refused"):
            raise InvalidParameter("refused before the token was looked at")

    init_app(app, make_settings(tmp_path), audience="badges")

    @app.get("/<channel>/<name>/info")
    def info(channel: str, name: str):
        claims = require_access(channel, request.args.get("label"))
        return jsonify(
            {
                "token": g.token is not None,
                "subject": claims.subject if claims else None,
                "path": request.path,
                "args": request.args.to_dict(flat=False),
                "raw": request.environ.get("RAW_URI"),
            }
        )

    return app


@pytest.fixture
def client(app):
    """The app's test client."""
    return app.test_client()


def badge_token(**claims) -> str:
    """A valid token for the badges audience on channel `private`."""
    return sign(payload(aud="badges", **claims))


def test_query_path_and_header_are_all_accepted(client):
    token = badge_token()
    for response in (
        client.get(f"/private/pkg/info?token={token}"),
        client.get(f"/private/pkg/info?style=flat&token={token}"),
        client.get(f"/t/{token}/private/pkg/info"),
        client.get("/private/pkg/info", headers={"Authorization": f"Bearer {token}"}),
        client.get("/private/pkg/info", headers={"Authorization": f"bearer   {token} "}),
    ):
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["token"] is True and body["subject"] == "svc-test"
        assert body["path"] == "/private/pkg/info"
        assert "token" not in body["args"]
        assert token not in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_same_token_twice_is_fine_two_different_is_400(client):
    token, other = badge_token(), badge_token()
    same = client.get(f"/t/{token}/private/pkg/info?token={token}")
    assert same.status_code == 200
    for response in (
        client.get(f"/t/{token}/private/pkg/info?token={other}"),
        client.get(f"/private/pkg/info?token={token}&token={other}"),
        client.get(
            f"/private/pkg/info?token={token}", headers={"Authorization": f"Bearer {other}"}
        ),
    ):
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "conflicting_tokens"
        assert token not in response.get_data(as_text=True)
        assert other not in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "private, no-store"


def test_no_token_means_public_caching_is_left_alone(client):
    response = client.get("/main/pkg/info", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.get_json()["token"] is False
    plain = client.get("/main/pkg/info?token=")
    assert plain.get_json()["token"] is False
    assert "Referrer-Policy" not in plain.headers


def test_private_channel_answers(client):
    missing = client.get("/private/pkg/info")
    assert missing.status_code == 404
    assert missing.get_json() == {
        "error": {"code": "channel_not_found", "message": "channel 'private' not found"}
    }
    wrong_audience = client.get("/private/pkg/info?token=" + sign(payload(aud="api")))
    assert wrong_audience.status_code == 401
    assert wrong_audience.get_json()["error"]["code"] == "token_wrong_audience"
    out_of_scope = client.get("/other/pkg/info?token=" + badge_token())
    assert out_of_scope.status_code == 403
    assert out_of_scope.get_json()["error"]["code"] == "insufficient_scope"
    garbage = client.get("/t/not-a-token/private/pkg/info")
    assert garbage.status_code == 401
    assert garbage.get_json()["error"]["code"] == "token_malformed"


def test_a_token_on_a_public_channel_is_not_checked(client):
    response = client.get("/main/pkg/info?token=" + sign(payload(aud="api", exp=1, iat=0)))
    assert response.status_code == 200
    assert response.get_json()["subject"] is None
    assert response.headers["Cache-Control"] == "private, no-store"


def test_label_scope(client):
    token = badge_token(scope="channel:private/label:dev")
    assert client.get(f"/private/pkg/info?label=dev&token={token}").status_code == 200
    assert client.get(f"/private/pkg/info?label=main&token={token}").status_code == 403
    assert client.get(f"/private/pkg/info?token={token}").status_code == 403


def test_the_audience_must_be_known(tmp_path):
    with pytest.raises(ValueError):
        init_app(Flask(__name__), make_settings(tmp_path), audience="everything")


def _through_stripper(path: str, query: str = "", raw: str | None = None) -> dict:
    seen = {}

    def inner(environ, start_response):
        seen.update(environ)
        return [b""]

    environ = {"PATH_INFO": path, "QUERY_STRING": query}
    if raw is not None:
        environ["RAW_URI"] = environ["REQUEST_URI"] = raw
    TokenStripper(inner)(environ, lambda *a: None)
    return seen


def test_stripper_removes_tokens_from_every_url_field():
    seen = _through_stripper(
        "/t/abc.def.ghi/private/pkg/badges/version.svg",
        "style=flat&token=xyz.uvw.rst&label=%2Fx",
        "/t/abc.def.ghi/private/pkg/badges/version.svg?style=flat&token=xyz.uvw.rst&label=%2Fx",
    )
    assert seen[ENVIRON_KEY] == ["abc.def.ghi", "xyz.uvw.rst"]
    assert seen["PATH_INFO"] == "/private/pkg/badges/version.svg"
    assert seen["QUERY_STRING"] == "style=flat&label=%2Fx"
    expected_raw = "/private/pkg/badges/version.svg?style=flat&label=%2Fx"
    assert seen["RAW_URI"] == seen["REQUEST_URI"] == expected_raw


@pytest.mark.parametrize(
    ("path", "query", "tokens", "left_path", "left_query"),
    [
        ("/t/tok", "", ["tok"], "/", ""),
        ("/t/tok/", "", ["tok"], "/", ""),
        ("/t/", "", [], "/t/", ""),
        ("/tx/tok/a", "", [], "/tx/tok/a", ""),
        ("/a", "tok%65n=enc", ["enc"], "/a", ""),
        ("/a", "tokens=1&xtoken=2", [], "/a", "tokens=1&xtoken=2"),
        ("/a/t/b", "", [], "/a/t/b", ""),
    ],
)
def test_stripper_edges(path, query, tokens, left_path, left_query):
    seen = _through_stripper(path, query)
    assert seen[ENVIRON_KEY] == tokens
    assert seen["PATH_INFO"] == left_path
    assert seen["QUERY_STRING"] == left_query


def test_errors_before_the_token_hook_are_still_private(client):
    response = client.get(f"/t/{badge_token()}/refused")
    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"

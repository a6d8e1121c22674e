"""The badges app through Flask's test client over a fake gateway client (unit level)."""

from __future__ import annotations

import json

import pytest

from common.badge_render import STYLES
from common.badge_render import render_svg
from common.errors import Forbidden
from common.errors import NotFound
from common.errors import Unauthorized
from common.errors import UpstreamError
from common.errors import UpstreamInvalid
from common.settings import Settings
from services.badges import create_app
from tests.services.badges.helpers import parse_svg

SVG = "image/svg+xml; charset=utf-8"
ENDPOINT_KEYS = {
    "schemaVersion",
    "label",
    "message",
    "color",
    "labelColor",
    "isError",
    "namedLogo",
    "logoSvg",
    "logoColor",
    "logoWidth",
    "logoSize",
    "style",
    "cacheSeconds",
}


def aria(response) -> str:
    return parse_svg(response.data).get("aria-label")


@pytest.mark.parametrize(
    ("kind", "text", "max_age"),
    [
        ("version", "conda | main: 1.2.11", 300),
        ("downloads", "downloads: n/a", 900),
        ("license", "license: Zlib", 3600),
        ("platforms", "platforms: linux-64 | osx-64 | win-32 | win-64", 3600),
        ("latest_release_date", "last updated: 2018-11-21", 300),
        ("updated", "last updated: 2018-11-21", 300),
        ("latest_release_relative_date", "updated: 8 years ago", 300),
        ("updated-ago", "updated: 8 years ago", 300),
    ],
)
def test_badge_svg(client, kind, text, max_age):
    response = client.get(f"/main/zlib/badges/{kind}.svg")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == SVG
    assert response.headers["Cache-Control"] == f"max-age={max_age}, s-maxage={max_age}"
    assert response.headers["ETag"].startswith('"')
    assert aria(response) == text


def test_subchannel_form_asks_for_the_subchannel(client, fake_client):
    response = client.get("/main/label/dev/zlib/badges/version.svg")
    assert aria(response) == "conda | main/dev: 1.2.11"
    assert fake_client.calls[-1] == ("main", "zlib", "dev", None)


def test_etag_and_304(client):
    first = client.get("/main/zlib/badges/license.svg")
    etag = first.headers["ETag"]
    again = client.get("/main/zlib/badges/license.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    other = client.get("/main/zlib/badges/license.svg", headers={"If-None-Match": '"nope"'})
    assert other.status_code == 200 and other.data == first.data


def test_head(client):
    response = client.head("/main/zlib/badges/version.svg")
    assert response.status_code == 200 and response.headers["ETag"]


def test_hot_badge_is_not_rendered_again(client):
    client.get("/main/zlib/badges/version.svg")
    before = render_svg.cache_info()
    client.get("/main/zlib/badges/version.svg")
    after = render_svg.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses


@pytest.mark.parametrize(("requested", "expected"), [("60", 3600), ("7200", 7200)])
def test_cache_seconds_lengthens_only(client, requested, expected):
    response = client.get(f"/main/zlib/badges/license.svg?cacheSeconds={requested}")
    assert response.headers["Cache-Control"] == f"max-age={expected}, s-maxage={expected}"


def test_token_makes_it_private_and_reaches_the_gateway(client, fake_client):
    response = client.get(
        "/main/zlib/badges/version.svg", headers={"Authorization": "Bearer tok.en"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert fake_client.calls[-1] == ("main", "zlib", None, "tok.en")


def test_options_are_applied(client):
    response = client.get(
        "/main/zlib/badges/version.svg?label=zlib&color=ff0000&labelColor=blue&style=flat-square"
    )
    root = parse_svg(response.data)
    assert root.get("aria-label") == "zlib: 1.2.11"
    fills = [rect.get("fill") for rect in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert "#ff0000" in fills and "#007ec6" in fills
    assert b'shape-rendering="crispEdges"' in response.data and b"rx=" not in response.data


def test_an_empty_label_with_a_label_colour_draws_the_stub_badge_maker_draws(client):
    stub = client.get("/main/zlib/badges/version.svg?label=&labelColor=red")
    plain = client.get("/main/zlib/badges/version.svg?label=")
    root = parse_svg(stub.data)
    rects = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("rx") is None]
    assert (rects[0].get("width"), rects[0].get("fill")) == ("10", render_fill("red"))
    assert int(root.get("width")) == int(parse_svg(plain.data).get("width")) + 10
    assert root.get("aria-label") == "1.2.11"


def render_fill(color: str) -> str:
    from common.badge_colors import to_svg_color

    return to_svg_color(color)


@pytest.mark.parametrize(
    ("error", "status", "text"),
    [
        (NotFound("x", code="package_not_found"), 404, "conda: not found"),
        (Unauthorized("x", code="invalid_token"), 401, "conda: invalid token"),
        (Forbidden("x", code="insufficient_scope"), 403, "conda: insufficient scope"),
        (UpstreamError("x", code="gateway_unavailable"), 503, "conda: unavailable"),
        (UpstreamInvalid("x"), 503, "conda: unavailable"),
        (RuntimeError("a bug"), 500, "conda: internal error"),
    ],
)
def test_gateway_errors_become_error_badges(client, fake_client, error, status, text):
    fake_client.error = error
    response = client.get("/main/zlib/badges/version.svg?color=green")
    assert response.status_code == status
    assert response.headers["Content-Type"] == SVG
    assert aria(response) == text
    assert int(response.headers["Cache-Control"].split("max-age=")[1].split(",")[0]) <= 60
    assert b"#97ca00" not in response.data  # the user's colour is not used on errors


def test_error_with_token_is_private(client, fake_client):
    fake_client.error = Forbidden("x")
    response = client.get("/main/zlib/badges/version.svg", headers={"Authorization": "Bearer t"})
    assert response.status_code == 403
    assert response.headers["Cache-Control"] == "private, no-store"


def test_unknown_package_and_kind(client):
    assert client.get("/main/nope/badges/version.svg").status_code == 404
    response = client.get("/main/zlib/badges/installer.svg")
    assert response.status_code == 404 and aria(response) == "badge: not found"


@pytest.mark.parametrize(
    "query",
    [
        "color=notacolour",
        "labelColor=12345",
        "link=javascript:alert(1)",
        "link=data:text/html,x",
        "logo=https://example.org/x.png",
        "cacheSeconds=-1",
        "style=popout",
    ],
)
def test_bad_parameters_give_invalid_parameter_badge(client, fake_client, query):
    response = client.get(f"/main/zlib/badges/downloads.svg?{query}")
    assert response.status_code == 400
    assert aria(response) == "downloads: invalid parameter"
    assert b"javascript:" not in response.data
    assert fake_client.calls == []  # refused before asking the gateway


def test_invalid_names(client):
    response = client.get("/main/-bad%20name/badges/version.svg")
    assert response.status_code == 400 and aria(response) == "conda: invalid name"


def test_json_endpoint(client):
    response = client.get("/main/zlib/badges/platforms.json?labelColor=red")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = json.loads(response.data)
    assert set(body) <= ENDPOINT_KEYS
    assert body == {
        "schemaVersion": 1,
        "label": "platforms",
        "message": "linux-64 | osx-64 | win-32 | win-64",
        "color": "blue",
        "labelColor": "red",
        "isError": False,
        "style": "flat",
        "cacheSeconds": 3600,
    }
    assert (
        client.get(
            "/main/zlib/badges/platforms.json?labelColor=red",
            headers={"If-None-Match": response.headers["ETag"]},
        ).status_code
        == 304
    )


def test_json_endpoint_errors(client):
    response = client.get("/main/nope/badges/version.json")
    assert response.status_code == 404
    body = json.loads(response.data)
    assert body["isError"] is True and body["message"] == "not found"
    assert body["cacheSeconds"] >= 300  # shields' floor


def test_embed_snippets_ignore_a_clients_forwarded_headers_and_host(client):
    spoofed = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    body = client.get("/main/zlib/badges", headers=spoofed).get_json()
    assert body["badges"]["version"]["url"] == "http://localhost/main/zlib/badges/version.svg"
    refused = client.get("/main/zlib/badges", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "host_not_allowed"


def test_embed_snippets_use_the_base_url_the_gateway_vouches_for(app, client):
    key = app.extensions["badges"]["settings"].internal_key
    vouched = {"X-Public-Base-URL": "https://badges.example.org", "X-Internal-Key": key}
    response = client.get("/main/zlib/badges", headers=vouched)
    assert response.status_code == 200
    body = response.get_json()
    assert body["badges"]["version"]["url"] == (
        "https://badges.example.org/main/zlib/badges/version.svg"
    )
    assert body["link"] == "https://badges.example.org/main/zlib"
    assert response.headers["Cache-Control"] == "max-age=300, s-maxage=300"
    unvouched = {**vouched, "X-Internal-Key": "guess"}
    body = client.get("/main/zlib/badges", headers=unvouched).get_json()
    assert body["link"] == "http://localhost/main/zlib"


def test_embed_snippets_with_token_and_public_url(fake_client):
    settings = Settings.from_env({"PUBLIC_URL": "https://conda.example.com/"}, with_channels=False)
    app = create_app(settings, metadata_client=fake_client)
    response = app.test_client().get(
        "/main/label/dev/zlib/badges?link=https://github.com/madler/zlib",
        headers={"Authorization": "Bearer abc"},
    )
    body = response.get_json()
    assert body["badges"]["license"]["url"] == (
        "https://conda.example.com/main/label/dev/zlib/badges/license.svg?token=abc"
    )
    assert body["badges"]["license"]["markdown"].endswith("(https://github.com/madler/zlib)")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert fake_client.calls[-1] == ("main", "zlib", "dev", "abc")


def test_embed_errors_are_json(client):
    response = client.get("/main/nope/badges")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "package_not_found"
    bad = client.get("/main/zlib/badges?link=javascript:x")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameter"
    bad = client.get("/main/zlib/badges?style=popout")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameter"


@pytest.mark.parametrize("style", STYLES)
def test_every_style_from_query_to_svg_and_snippets(client, style):
    response = client.get(f"/main/zlib/badges/version.svg?style={style}")
    assert response.status_code == 200
    assert response.data == render_svg("conda | main", "1.2.11", "blue", "grey", (), None, style)
    body = client.get(f"/main/zlib/badges?style={style}").get_json()
    assert body["style"] == style and body["styles"] == list(STYLES)
    assert body["badges"]["license"]["url"].endswith(
        "license.svg" if style == "flat" else f"license.svg?style={style}"
    )


def test_health_and_readiness(client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503  # the fake's gateway URL has nothing listening
    assert "gateway" in ready.get_json()["detail"]


def test_default_factory_builds_a_real_client():
    app = create_app(Settings.from_env({"GATEWAY_URL": "http://127.0.0.1:9"}, with_channels=False))
    client = app.extensions["badges"]["client"]
    assert client.base_url == "http://127.0.0.1:9" and client.audience == "badges"


def test_token_in_query_and_path_prefix_are_taken_out_and_forwarded(client, fake_client):
    response = client.get("/main/zlib/badges/version.svg?token=q.tok&label=x")
    assert response.status_code == 200 and aria(response) == "x: 1.2.11"
    assert fake_client.calls[-1][3] == "q.tok"
    assert response.headers["Cache-Control"] == "private, no-store"
    response = client.get("/t/p.tok/main/zlib/badges/version.svg")
    assert response.status_code == 200
    assert fake_client.calls[-1][3] == "p.tok"


def test_two_different_tokens_give_an_invalid_parameter_badge(client):
    response = client.get(
        "/main/zlib/badges/license.svg?token=a", headers={"Authorization": "Bearer b"}
    )
    assert response.status_code == 400
    assert aria(response) == "license: invalid parameter"
    assert response.headers["Cache-Control"] == "private, no-store"

"""The hot path: cached public answers before Flask, with exactly the proxy's cache key."""

from __future__ import annotations

import tempfile

import pytest
from flask import g
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from common.settings import Settings
from gateway import create_app
from gateway.hot_path import HotPath

BADGE = "/main/zlib/badges/version.svg"
SVG = b"<svg xmlns='http://www.w3.org/2000/svg'/>"


@pytest.fixture(scope="module")
def app():
    settings = Settings.from_env({"STATE_DIR": tempfile.mkdtemp(), "RATE_LIMIT": "1 per hour"})
    return create_app(settings)


def _hot(app) -> HotPath:
    layer = app.wsgi_app
    while not isinstance(layer, HotPath):
        layer = layer.app
    return layer


def _full_path_key(app, environ) -> str | None:
    with app.request_context(dict(environ)):
        g.token = None
        return app.extensions["proxy"].request_key()


def _environ(path: str, query: str = "", headers: dict | None = None, method: str = "GET"):
    builder = EnvironBuilder(path=path, query_string=query, headers=headers, method=method)
    environ = builder.get_environ()
    environ["conda_badges.tokens"] = []
    return environ


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    path=st.sampled_from([BADGE, "/main/zlib/badges", "/main/linux-64/z-1-0.conda/sbom.json"]),
    query=st.text(st.sampled_from("ab=&.~-_9"), max_size=12),
    accept=st.sampled_from([None, "*/*", "application/spdx+json;q=2, */*", "image/svg+xml"]),
    method=st.sampled_from(["GET", "HEAD"]),
)
def test_the_hot_path_key_is_the_proxys_key(app, path, query, accept, method):
    environ = _environ(path, query, {"Accept": accept} if accept else {}, method)
    assert _hot(app).key_for(environ) == _full_path_key(app, environ)


@pytest.mark.parametrize(
    ("path", "query", "headers"),
    [
        (BADGE, "label=%41", {}),  # percent-encoding: parsers may differ, never guessed at
        (BADGE, "label=a+b", {}),
        (BADGE, "", {"Authorization": "Bearer x.y.z"}),
        ("/api/channels", "", {}),
        (BADGE, "", {"X-Public-Base-URL": "https://elsewhere.example"}),
    ],
)
def test_what_the_hot_path_leaves_to_the_app(app, path, query, headers):
    assert _hot(app).key_for(_environ(path, query, headers)) is None


def test_a_held_answer_is_sent_without_the_app_and_tokens_never_get_it(app):
    client = app.test_client()
    key = _hot(app).key_for(_environ(BADGE, "label=hot"))
    stored = {"Content-Type": "image/svg+xml; charset=utf-8", "ETag": '"e1"'}
    stored["Cache-Control"] = "max-age=300, s-maxage=300"
    app.extensions["proxy"].cache.put(key, 200, stored, SVG)
    for _ in range(3):  # the limit is 1 per hour: the limiter is never asked
        answer = client.get(BADGE + "?label=hot")
        assert answer.status_code == 200 and answer.data == SVG
        assert answer.headers["X-Cache"] == "hit" and answer.headers["ETag"] == '"e1"'
        assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
    not_modified = client.get(BADGE + "?label=hot", headers={"If-None-Match": '"e1"'})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert client.head(BADGE + "?label=hot").data == b""
    for tokened in (
        client.get(BADGE + "?label=hot&token=x.y.z"),
        client.get("/t/x.y.z" + BADGE + "?label=hot"),
        client.get(BADGE + "?label=hot", headers={"Authorization": "Bearer x.y.z"}),
    ):
        assert tokened.data != SVG and tokened.headers.get("X-Cache") != "hit"

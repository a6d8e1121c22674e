"""One If-None-Match rule (common/etags.py, RFC 9110's weak comparison): the gateway's hot
path, its proxy and the badges service answer every header alike."""

from __future__ import annotations

import tempfile

import pytest

from common.settings import Settings
from gateway import create_app
from gateway import proxy
from services.badges.http import respond
from tests.gateway.test_hot_path import _environ
from tests.gateway.test_hot_path import _hot

BADGE = "/main/zlib/badges/version.svg"
STORED = {
    "Content-Type": "image/svg+xml; charset=utf-8",
    "Cache-Control": "max-age=300, s-maxage=300",
}
HEADERS = [  # (If-None-Match, whether it names the ETag "<tag>")
    ('"<tag>"', True),
    ('W/"<tag>"', True),
    ('"other", "<tag>"', True),
    ("*", True),
    ('"<tag>x"', False),
    ("<tag>", False),  # not an entity-tag: unquoted
]


@pytest.fixture(scope="module")
def app():
    settings = Settings.from_env({"STATE_DIR": tempfile.mkdtemp(), "RATE_LIMIT": "off"})
    return create_app(settings)


@pytest.mark.parametrize(("header", "named"), HEADERS)
def test_hot_path_proxy_and_badges_agree(app, header, named):
    expected = 304 if named else 200
    body = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    badge = respond(
        body, "image/svg+xml", status=200, seconds=60, private=False, if_none_match=None
    )
    tag = badge.headers["ETag"]
    given = header.replace("<tag>", tag.strip('"'))
    assert (
        respond(
            body, "image/svg+xml", status=200, seconds=60, private=False, if_none_match=given
        ).status_code
        == expected
    )
    cache = app.extensions["proxy"].cache
    key = f"etag-case:{header}"
    cache.put(key, 200, {**STORED, "ETag": tag}, body)
    with app.test_request_context(BADGE, headers={"If-None-Match": given}):
        assert proxy._from_stored(cache.get(key)).status_code == expected
    hot = app.test_client()
    cache.put(_hot(app).key_for(_environ(BADGE)), 200, {**STORED, "ETag": tag}, body)
    assert hot.get(BADGE, headers={"If-None-Match": given}).status_code == expected

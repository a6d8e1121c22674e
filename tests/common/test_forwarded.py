"""Proxy headers: believed only from TRUSTED_PROXIES, and never the Host."""

import pytest

from common.forwarded import TrustedProxies
from common.forwarded import parse_networks


def _seen(networks, remote, **headers):
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    environ = {"REMOTE_ADDR": remote, "wsgi.url_scheme": "http", "HTTP_HOST": "a.example"}
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    TrustedProxies(app, parse_networks(networks))(environ, lambda *a: None)
    return seen


def test_untrusted_connections_keep_their_address_and_lose_every_proxy_header():
    seen = _seen(
        (),
        "198.51.100.7",
        x_forwarded_for="1.2.3.4",
        x_forwarded_proto="https",
        x_forwarded_host="evil.example",
        forwarded="for=1.2.3.4",
    )
    assert seen["REMOTE_ADDR"] == "198.51.100.7" and seen["wsgi.url_scheme"] == "http"
    assert not any(k.startswith(("HTTP_X_FORWARDED", "HTTP_FORWARDED")) for k in seen)
    assert seen["HTTP_HOST"] == "a.example"


def test_a_trusted_proxy_gives_the_first_untrusted_address_from_the_right():
    seen = _seen(
        ("127.0.0.1", "10.0.0.0/8"),
        "127.0.0.1",
        x_forwarded_for="6.6.6.6, 203.0.113.9, 10.1.2.3",
        x_forwarded_proto="https",
    )
    assert seen["REMOTE_ADDR"] == "203.0.113.9"  # 6.6.6.6 is what the client claimed
    assert seen["wsgi.url_scheme"] == "https"


def test_junk_in_forwarded_headers_is_ignored():
    seen = _seen(
        ("127.0.0.1",), "127.0.0.1", x_forwarded_for="not-an-ip", x_forwarded_proto="gopher"
    )
    assert seen["REMOTE_ADDR"] == "127.0.0.1" and seen["wsgi.url_scheme"] == "http"


def test_a_hop_count_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="not '1'"):
        parse_networks(["1"])

"""Proxy headers believed only from TRUSTED_PROXIES: the client address and the scheme.

`X-Forwarded-For` and `X-Forwarded-Proto` are taken into account only when the connection
comes from a configured proxy address (the edge); every other `X-Forwarded-*` and `Forwarded`
header is dropped before the app sees it. The Host is never rewritten: public URLs come from
`common.public_url`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from flask import Flask

from common.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_DROPPED = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_FORWARDED_SERVER",
    "HTTP_FORWARDED",
)


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """The proxy networks in TRUSTED_PROXIES; a bare number (a hop count) is refused."""
    networks = []
    for value in values:
        if "." not in value and ":" not in value:
            raise ValueError(
                f"TRUSTED_PROXIES lists proxy addresses or networks (e.g. 127.0.0.1, "
                f"10.0.0.0/8), not {value!r}"
            )
        networks.append(ipaddress.ip_network(value, strict=False))
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: the client address and scheme from a trusted proxy, else the socket's."""

    def __init__(self, app: Callable, networks: tuple[Network, ...]):
        self.app = app
        self.networks = networks

    def trusted(self, text: str) -> bool:
        """Whether `text` is the address of a configured proxy."""
        address = _address(text)
        return address is not None and any(address in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Callable):
        """Rewrite REMOTE_ADDR and wsgi.url_scheme from trusted proxy headers only."""
        forwarded_for = environ.get("HTTP_X_FORWARDED_FOR", "")
        proto = environ.get("HTTP_X_FORWARDED_PROTO", "")
        for name in _DROPPED:
            environ.pop(name, None)
        remote = environ.get("REMOTE_ADDR", "")
        if self.networks and self.trusted(remote):
            hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
            client = remote
            while hops and self.trusted(client):  # right to left, past every trusted proxy
                client = hops.pop()
            if _address(client) is not None:
                environ["REMOTE_ADDR"] = client.strip("[]")
            scheme = proto.rsplit(",", 1)[-1].strip().lower()
            if scheme in ("http", "https"):
                environ["wsgi.url_scheme"] = scheme
        return self.app(environ, start_response)


def init_app(app: Flask, settings: Settings) -> None:
    """Install the middleware (outermost, so nothing sees untrusted proxy headers)."""
    app.wsgi_app = TrustedProxies(app.wsgi_app, parse_networks(settings.trusted_proxies))  # type: ignore[method-assign]

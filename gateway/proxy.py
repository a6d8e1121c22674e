"""Forwarding badge and SBOM URLs to the two services over pooled keep-alive connections."""

from __future__ import annotations

import re

import requests
from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import request
from requests.adapters import HTTPAdapter

from common.errors import NotFound
from common.errors import UpstreamError
from common.settings import Settings

bp = Blueprint("proxy", __name__)

_LABEL = r"(?:/label/[^/]+)?"
BADGE_PATH = re.compile(rf"^/[^/]+{_LABEL}/[^/]+/badges(?:/[^/]+\.(?:svg|json))?$")
SBOM_PATH = re.compile(
    rf"^/[^/]+{_LABEL}/[^/]+/[^/]+(?:\.cdx\.json|\.spdx\.json|/sbom\.json)$"
)
_FORWARD_REQUEST = ("Accept", "If-None-Match", "X-Request-ID", "User-Agent")
_FORWARD_RESPONSE = (
    "Content-Type",
    "Cache-Control",
    "ETag",
    "Content-Disposition",
    "Vary",
    "Last-Modified",
    "Referrer-Policy",
    "X-Content-Type-Options",
)


class ServiceProxy:
    """A pooled HTTP client for the badges and SBOM services."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=64, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def target(self, path: str) -> str | None:
        """The base URL of the service that answers `path`, or None."""
        if BADGE_PATH.match(path):
            return self.settings.badges_url
        if SBOM_PATH.match(path):
            return self.settings.sbom_url
        return None

    def forward(self, base: str, path: str, token: str | None) -> Response:
        """Send the current request to `base` + `path`, the token moved to a header."""
        headers = {k: request.headers[k] for k in _FORWARD_REQUEST if k in request.headers}
        headers["X-Forwarded-Host"] = request.host
        headers["X-Forwarded-Proto"] = request.scheme
        headers["X-Forwarded-For"] = request.remote_addr or ""
        if token:
            headers["Authorization"] = f"Bearer {token}"
        params = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
        try:
            upstream = self.session.request(
                request.method,
                base + path,
                params=params,
                headers=headers,
                timeout=self.settings.service_timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise UpstreamError(
                "the service did not answer in time", code="service_timeout"
            ) from None
        except requests.RequestException:
            raise UpstreamError("the service is unavailable", code="service_unavailable") from None
        response = Response(upstream.content, status=upstream.status_code)
        for name in _FORWARD_RESPONSE:
            if name in upstream.headers:
                response.headers[name] = upstream.headers[name]
        return response


@bp.route("/<path:path>", methods=["GET", "HEAD"])
def forward(path: str):
    """Badge and SBOM URLs go to their service; anything else is not found."""
    proxy: ServiceProxy = current_app.extensions["proxy"]
    full = "/" + path
    base = proxy.target(full)
    if base is None:
        raise NotFound(f"nothing at {full[:200]!r}", code="not_found")
    return proxy.forward(base, full, getattr(g, "token", None))

"""The gateway: the cached metadata API and the front door for badge and SBOM URLs."""

from __future__ import annotations

from flask import Flask
from flask import g
from flask import request

from common import forwarded
from common import guards
from common import observability
from common import tokens
from common.errors import register_error_handlers
from common.health import health_blueprint
from common.settings import Settings
from contents import ContentsService
from gateway import api
from gateway import environments
from gateway import limits
from gateway import proxy
from gateway import vex_repository
from gateway import watched_environments
from gateway import web
from gateway.catalog import Catalog
from gateway.hot_path import HotPath
from gateway.shared_lifetime import withdrawn_cache_control
from vulns import VulnService


def create_app(settings: Settings | None = None) -> Flask:
    """Build the gateway app from settings (from the environment when not given)."""
    settings = tokens.resolve_secrets(settings or Settings.from_env())
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.json.sort_keys = False
    app.extensions["catalog"] = Catalog(settings)
    app.extensions["vulns"] = VulnService(settings.vulns_db, settings.vulns_check_interval)
    app.extensions["proxy"] = proxy.ServiceProxy(settings)
    fetcher = app.extensions["catalog"].fetcher
    app.extensions["contents"] = ContentsService(settings, locks=lambda: fetcher.shared_locks)
    register_error_handlers(app)
    # WSGI order: token stripping, then trusted proxy headers, then the hot path, then Flask
    app.wsgi_app = HotPath(  # type: ignore[method-assign]
        app.wsgi_app, settings, app.extensions["proxy"].cache, proxy.is_shareable_path
    )
    forwarded.init_app(app, settings)
    guards.init_app(app)
    observability.init_app(app, "gateway", settings)
    observability.hide_channels({c.name for c in settings.channels.values() if c.private})
    observability.name_channels({c.name for c in settings.channels.values() if not c.private})
    tokens.init_app(app, settings, audience="api")
    limits.init_app(app, settings)
    app.register_blueprint(health_blueprint(lambda: _ready(app)))
    app.register_blueprint(api.bp)
    app.register_blueprint(environments.bp)
    app.teardown_request(environments.end_time_limit)
    app.register_blueprint(watched_environments.bp)
    app.register_blueprint(web.bp)
    app.register_blueprint(vex_repository.bp)
    app.register_blueprint(proxy.bp)

    @app.after_request
    def _conditional(response):
        """Strong ETags and 304s for JSON answers; public API answers may be shared (the edge
        caches them) for as long as the channel's data is fresh; a public 403/404/410 is
        shared briefly, so it replaces what a cache held (gateway/shared_lifetime.py)."""
        tokenized = getattr(g, "token", None) is not None
        current = response.headers.get("Cache-Control")
        withdrawn = withdrawn_cache_control(response.status_code, tokenized, current)
        if withdrawn:
            response.headers["Cache-Control"] = withdrawn
        if response.status_code == 200 and response.mimetype == "application/json":
            seconds = _api_max_age(settings)
            if seconds and "Cache-Control" not in response.headers:
                response.headers["Cache-Control"] = f"public, max-age={seconds}"
            response.add_etag()
            response.make_conditional(request)
        return response

    return app


def _api_max_age(settings: Settings) -> int | None:
    """Seconds a public API answer stays fresh (its channel's TTL), or None: not an API
    answer, a token request (those are `private, no-store`), or a private channel."""
    if not request.path.startswith("/api/channels") or getattr(g, "token", None) is not None:
        return None
    channel = (request.view_args or {}).get("channel")
    if channel is None:
        return settings.default_ttl if request.path == "/api/channels" else None
    config = settings.channels.get(channel)
    return config.ttl if config is not None and not config.private else None


def _ready(app: Flask) -> tuple[bool, str]:
    catalog: Catalog = app.extensions["catalog"]
    if not catalog.channels:
        return False, "no channels configured"
    return True, f"{len(catalog.channels)} channels configured"

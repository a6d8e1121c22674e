"""The gateway: the cached metadata API and the front door for badge and SBOM URLs."""

from __future__ import annotations

from flask import Flask
from flask import request

from common import guards
from common import observability
from common import tokens
from common.errors import register_error_handlers
from common.health import health_blueprint
from common.settings import Settings
from contents import ContentsService
from gateway import api
from gateway import limits
from gateway import proxy
from gateway import web
from gateway.catalog import Catalog


def create_app(settings: Settings | None = None) -> Flask:
    """Build the gateway app from settings (from the environment when not given)."""
    settings = tokens.resolve_secrets(settings or Settings.from_env())
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.json.sort_keys = False
    app.extensions["catalog"] = Catalog(settings)
    app.extensions["proxy"] = proxy.ServiceProxy(settings)
    fetcher = app.extensions["catalog"].fetcher
    app.extensions["contents"] = ContentsService(settings, locks=lambda: fetcher.shared_locks)
    register_error_handlers(app)
    guards.init_app(app)
    observability.init_app(app, "gateway", settings)
    tokens.init_app(app, settings, audience="api")
    limits.init_app(app, settings)
    app.register_blueprint(health_blueprint(lambda: _ready(app)))
    app.register_blueprint(api.bp)
    app.register_blueprint(web.bp)
    app.register_blueprint(proxy.bp)

    @app.after_request
    def _conditional(response):
        """Strong ETags and 304s for JSON answers."""
        if response.status_code == 200 and response.mimetype == "application/json":
            response.add_etag()
            response.make_conditional(request)
        return response

    return app


def _ready(app: Flask) -> tuple[bool, str]:
    catalog: Catalog = app.extensions["catalog"]
    if not catalog.channels:
        return False, "no channels configured"
    return True, f"{len(catalog.channels)} channels configured"

"""The badges service: anaconda.org-style badge URLs rendered from the gateway's metadata API."""

from __future__ import annotations

from flask import Flask

from common import forwarded
from common import guards
from common import observability
from common import tokens
from common.badge_render import warm_up
from common.errors import register_error_handlers
from common.health import health_blueprint
from common.metadata_client import MetadataClient
from common.settings import Settings
from services.badges.service import BadgeService
from services.badges.source import ArtifactSource
from services.badges.views import bp


def create_app(
    settings: Settings | None = None, *, metadata_client: MetadataClient | None = None
) -> Flask:
    """The badges Flask app; `metadata_client` replaces the HTTP client in unit tests only."""
    settings = tokens.resolve_secrets(settings or Settings.from_env(with_channels=False))
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    client = metadata_client or MetadataClient(
        settings.gateway_url,
        settings.service_timeout,
        internal_key=settings.internal_key,
        audience="badges",
    )
    source = ArtifactSource(client, ttl=settings.badges_facts_ttl)
    app.extensions["badges"] = {
        "settings": settings,
        "client": client,
        "service": BadgeService(source),
    }
    register_error_handlers(app)
    forwarded.init_app(app, settings)
    guards.init_app(app)
    observability.init_app(app, "badges", settings)
    tokens.init_app(app, settings, audience="badges")  # sets g.token; strips it from URLs
    app.register_blueprint(health_blueprint(lambda: client.ready()))
    app.register_blueprint(bp)
    warm_up()
    return app

"""The SBOM service: CycloneDX and SPDX documents for conda package files, from the gateway."""

from __future__ import annotations

from flask import Flask

from attestation import load_signing_key
from common import forwarded
from common import guards
from common import observability
from common import tokens
from common.errors import register_error_handlers
from common.health import health_blueprint
from common.metadata_client import MetadataClient
from common.settings import Settings
from services.sbom.facts_cache import FactsCache
from services.sbom.generate import DocumentCache
from services.sbom.views import bp


def create_app(
    settings: Settings | None = None, *, metadata_client: MetadataClient | None = None
) -> Flask:
    """The SBOM Flask app; `metadata_client` replaces the HTTP client in unit tests only."""
    settings = tokens.resolve_secrets(settings or Settings.from_env(with_channels=False))
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    client = metadata_client or MetadataClient(
        settings.gateway_url,
        settings.service_timeout,
        internal_key=settings.internal_key,
        audience="sbom",
    )
    app.extensions["sbom"] = {
        "settings": settings,
        "client": client,
        "cache": DocumentCache(),
        "facts": FactsCache(settings.sbom_facts_ttl),
    }
    forwarded.init_app(app, settings)
    guards.init_app(app)
    observability.init_app(app, "sbom", settings)
    tokens.init_app(app, settings, audience="sbom")  # sets g.token; strips it from URLs
    # after logging is set up (its key id is logged); None when signing is off
    app.extensions["sbom"]["key"] = load_signing_key(settings)
    register_error_handlers(app)
    app.register_blueprint(health_blueprint(lambda: client.ready()))
    app.register_blueprint(bp)
    return app

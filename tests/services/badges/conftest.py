"""Badge unit-test fixtures: a fake MetadataClient (unit tests only) and an app built on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from common.badge_render import render_svg
from common.settings import Settings
from services.badges import create_app
from tests.services.badges.helpers import FakeMetadataClient


@pytest.fixture
def fake_client() -> FakeMetadataClient:
    """A fresh fake gateway client holding main/zlib."""
    return FakeMetadataClient()


@pytest.fixture
def app(fake_client: FakeMetadataClient) -> Iterator[Flask]:
    """The badges app over the fake client, with an empty SVG cache."""
    render_svg.cache_clear()
    settings = Settings.from_env({}, with_channels=False)
    application = create_app(settings, metadata_client=fake_client)  # type: ignore[arg-type]
    application.testing = True
    yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A Flask test client for the badges app."""
    return app.test_client()

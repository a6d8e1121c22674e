"""Shared fixtures: the real data, a running system, token minting, loopback upstreams."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.system import mint
from tests.processes import REPO
from tests.processes import TEST_ISSUER
from tests.processes import TEST_SECRET
from tests.processes import System
from tests.processes import start_system

DATA = REPO / "data"
CHANNELS = DATA / "channels"
RECORDED = DATA / "recorded"
VULN_RECORDS = DATA / "vulns"


def _embedded_vulns_db() -> Path:
    """The embedded vulnerability database, built fresh from data/vulns for this test process.

    Every process the tests start inherits VULNS_DB, so the suite never reads a stale
    data/vulns.sqlite (nor needs `make vulns` first).
    """
    from vulns import build_database
    from vulns.cli import records_layout

    folder = Path(tempfile.mkdtemp(prefix="conda-badges-vulns-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    layout = records_layout(VULN_RECORDS)
    path = folder / "vulns.sqlite"
    build_database(path, **layout)
    return path


EMBEDDED_VULNS_DB = _embedded_vulns_db()
os.environ["VULNS_DB"] = str(EMBEDDED_VULNS_DB)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The repo's real data (see data/PROVENANCE.md)."""
    return DATA


@pytest.fixture(scope="session")
def vulns_db() -> Path:
    """The embedded vulnerability database the test processes read (VULNS_DB)."""
    return EMBEDDED_VULNS_DB


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The whole system (gateway, badges, sbom) under gunicorn on free loopback ports."""
    running = start_system(tmp_path_factory.mktemp("system"))
    yield running
    running.stop()


def gateway_client(state_dir: Path, **environ: str):
    """A Flask test client of the real gateway app on the embedded default channels, with the
    test token key and issuer (`environ` adds or overrides settings)."""
    from common.settings import Settings
    from gateway import create_app

    settings = Settings.from_env(
        {
            "STATE_DIR": str(state_dir),
            "TOKEN_HS256_SECRET": TEST_SECRET,
            "TOKEN_ISSUER": TEST_ISSUER,
            "VULNS_DB": str(EMBEDDED_VULNS_DB),
            **environ,
        }
    )
    return create_app(settings).test_client()


@pytest.fixture(scope="session")
def mint_token():
    """A function minting HS256 test tokens that the `system` fixture accepts."""
    return mint

"""Shared fixtures: the real data, a running system, token minting, loopback upstreams."""

from __future__ import annotations

import atexit
import base64
import json
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


def sbom_document_paths(file_path: str) -> list[str]:
    """Every SBOM document URL the SBOM service routes (read from its url_map, so a new suffix
    is included the day it is added) for the package file `file_path` (`/<channel>/<subdir>/
    <filename>`); label routes are left out (they differ only by the `/label/<name>` part)."""
    from flask import Flask

    from services.sbom.views import KEYS_PATH
    from services.sbom.views import bp

    app = Flask("sbom-routes")
    app.register_blueprint(bp)
    channel, subdir, filename = file_path.strip("/").split("/")
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule == KEYS_PATH or "<subchannel>" in rule.rule:
            continue
        path = rule.rule.replace("<channel>", channel).replace("<subdir>", subdir)
        paths.append(path.replace("<filename>", filename))
    return sorted(paths)


def sbom_document_format(body: bytes) -> str:
    """The format an SBOM answer is in, read from the document (inside a DSSE envelope too)."""
    document = json.loads(body)
    if "payload" in document:  # a signed in-toto envelope: the statement's predicate
        document = json.loads(base64.b64decode(document["payload"]))["predicate"]
    if "@graph" in document:  # SPDX 3 JSON-LD: the version its CreationInfo states
        info = next(e for e in document["@graph"] if e.get("type") == "CreationInfo")
        return f"SPDX-{info['specVersion']}"
    return document.get("specVersion") or document["spdxVersion"]


SBOM_ACCEPT_POISON = [
    "application/vnd.cyclonedx+json; version=1.5",
    "application/spdx+json;q=2, */*",
]

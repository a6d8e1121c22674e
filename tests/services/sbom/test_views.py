"""The SBOM URLs through Flask's test client, with a fake metadata client (unit tests)."""

from __future__ import annotations

import json

import pytest

from common.settings import Settings
from services.sbom import create_app
from tests.services.sbom.fakes import FakeMetadataClient

ZLIB = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda"
CDX_16 = "application/vnd.cyclonedx+json; version=1.6"
CDX_15 = "application/vnd.cyclonedx+json; version=1.5"
SPDX = "application/spdx+json"


@pytest.fixture
def fake() -> FakeMetadataClient:
    return FakeMetadataClient()


@pytest.fixture
def client(tmp_path, fake):
    settings = Settings.from_env(
        {"STATE_DIR": str(tmp_path)},
        with_channels=False,
        token_hs256_secret="unit-test-secret-" + "x" * 32,
        internal_key="unit-test-internal-key",
    )
    app = create_app(settings, metadata_client=fake)
    app.testing = True
    return app.test_client()


def _error(response) -> dict:
    return response.get_json()["error"]


def test_cyclonedx_download(client):
    response = client.get(f"{ZLIB}.cdx.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CDX_16
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="zlib-1.2.11-h7b6447c_3.conda.cdx.json"'
    )
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Vary"] == "Accept"  # a version named in Accept is honoured
    bom = json.loads(response.data)
    assert bom["specVersion"] == "1.6"
    assert bom["metadata"]["component"]["name"] == "zlib"


def test_strong_etag_and_304(client):
    first = client.get(f"{ZLIB}.cdx.json")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(f"{ZLIB}.cdx.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(f"{ZLIB}.spdx.json").headers["ETag"] != etag


def test_generated_documents_are_cached_by_their_facts(client):
    cache = client.application.extensions["sbom"]["cache"]
    client.get(f"{ZLIB}.cdx.json")
    client.get(f"{ZLIB}.cdx.json")
    assert (cache.misses, cache.hits) == (1, 1)


def test_spdx_download(client):
    response = client.get(f"{ZLIB}.spdx.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == SPDX
    assert response.headers["Content-Disposition"].endswith('.conda.spdx.json"')
    assert json.loads(response.data)["spdxVersion"] == "SPDX-2.3"


@pytest.mark.parametrize(
    ("accept", "query", "media_type", "marker"),
    [
        (None, "", CDX_16, '"specVersion": "1.6"'),
        (CDX_15, "", CDX_15, '"specVersion": "1.5"'),
        (SPDX, "", SPDX, '"spdxVersion": "SPDX-2.3"'),
        (SPDX, "?format=cyclonedx-1.5", CDX_15, '"specVersion": "1.5"'),
        (None, "?format=spdx", SPDX, '"spdxVersion": "SPDX-2.3"'),
    ],
)
def test_negotiated_url(client, accept, query, media_type, marker):
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"{ZLIB}/sbom.json{query}", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == media_type
    assert response.headers["Vary"] == "Accept"
    assert marker in response.get_data(as_text=True)


def test_label_url_reaches_the_subchannel(client, fake):
    response = client.get("/main/label/dev/linux-64/zlib-1.2.11-h7b6447c_3.conda.cdx.json")
    assert response.status_code == 200
    assert {call[3] for call in fake.calls} == {"dev"}
    purl = json.loads(response.data)["metadata"]["component"]["purl"]
    assert "channel=main/label/dev" in purl


def test_private_channel_needs_the_token(client):
    path = "/private/linux-64/r-base-3.4.2-haf99962_0.tar.bz2.cdx.json"
    refused = client.get(path)
    assert refused.status_code == 404
    assert _error(refused)["code"] == "channel_not_found"
    allowed = client.get(path, headers={"Authorization": "Bearer good-token"})
    assert allowed.status_code == 200
    assert allowed.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/main/linux-64/nothere-1.0-0.conda.cdx.json", 404, "file_not_found"),
        ("/main/linux-aarch64/zlib-1.2.11-h7b6447c_3.conda.spdx.json", 404, "subdir_not_found"),
        ("/nope/linux-64/zlib-1.2.11-h7b6447c_3.conda.cdx.json", 404, "channel_not_found"),
        ("/main/linux-64/zlib.zip.cdx.json", 400, "invalid_name"),
        ("/main/Linux 64/zlib-1.2.11-h7b6447c_3.conda.cdx.json", 400, "invalid_name"),
        (f"{ZLIB}/sbom.json?format=xml", 400, "invalid_parameter"),
    ],
)
def test_errors_are_json_naming_what_is_wrong(client, path, status, code):
    response = client.get(path)
    assert response.status_code == status
    assert _error(response)["code"] == code


def test_unacceptable_accept_lists_the_offer(client):
    response = client.get(f"{ZLIB}/sbom.json", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert _error(response)["offered"] == [CDX_16, CDX_15, SPDX, f"{SPDX}; version=3.0.1"]


def test_file_without_sha256_is_sbom_unavailable(client, fake, monkeypatch):
    original = fake.files

    def without_sha256(*args, **kwargs):
        return [{**f, "sha256": None} for f in original(*args, **kwargs)]

    monkeypatch.setattr(fake, "files", without_sha256)
    response = client.get(f"{ZLIB}.cdx.json")
    assert response.status_code == 404
    assert _error(response)["code"] == "sbom_unavailable"
    assert _error(response)["reason"] == "missing sha256"


def test_health_and_readiness(client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "gateway unreachable" in ready.get_json()["detail"]


def test_head_answers_the_headers_without_the_document(client):
    response = client.head(f"{ZLIB}.spdx.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == SPDX
    assert response.data == b""
    assert response.headers["ETag"] == client.get(f"{ZLIB}.spdx.json").headers["ETag"]

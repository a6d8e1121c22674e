"""The metadata API through the running gateway (gunicorn) on the embedded default."""

import json
import urllib.error
import urllib.request

import pytest
import yaml

from tests.conftest import CHANNELS
from tests.conftest import mint


def get(url: str, method: str = "GET", headers: dict | None = None):
    """(status, headers, parsed JSON or raw bytes) for one real HTTP request."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, head, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, head, body = error.code, error.headers, error.read()
    try:
        return status, head, json.loads(body)
    except ValueError:
        return status, head, body


def _repodata_records(channel: str) -> list[dict]:
    records = []
    for path in sorted((CHANNELS / channel).glob("*/repodata.json")):
        document = json.loads(path.read_text())
        for key in ("packages", "packages.conda"):
            for filename, record in document.get(key, {}).items():
                records.append({"subdir": path.parent.name, "filename": filename, **record})
    return records


def test_zlib_as_the_issue_says(system):
    status, _, body = get(f"{system.gateway_url}/api/channels/main/artifacts/conda/zlib")
    assert status == 200
    assert body["latest_version"] == "1.2.11"
    assert body["platforms"] == ["linux-64", "osx-64", "win-32", "win-64"]
    assert body["download_count"] is None and body["private"] is False


def test_files_match_the_repodata(system):
    status, _, body = get(f"{system.gateway_url}/api/channels/main/artifacts/conda/zlib/files")
    expected = [r for r in _repodata_records("main") if r["name"] == "zlib"]
    assert status == 200 and body["total"] == len(expected)
    got = {(f["subdir"], f["filename"]): f for f in body["items"]}
    for record in expected:
        item = got[(record["subdir"], record["filename"])]
        assert item["sha256"] == record.get("sha256") and item["md5"] == record["md5"]
        assert item["size"] == record["size"] and item["build"] == record["build"]
    status, _, one = get(
        f"{system.gateway_url}/api/channels/main/artifacts/conda/zlib/files"
        "?subdir=win-64&filename=zlib-1.2.11-h62dcd97_3.conda"
    )
    assert status == 200 and [f["subdir"] for f in one["items"]] == ["win-64"]


def test_dependencies_and_dependants(system):
    url = f"{system.gateway_url}/api/channels/test-recipes/artifacts/conda/dependent/dependencies"
    status, _, body = get(url)
    assert status == 200 and body["version"] == "2.0"
    assert [d["name"] for d in body["depends"]] == ["dependency"]
    records = _repodata_records("test-recipes")
    newest: dict[str, tuple] = {}
    for record in records:  # these recipes' versions are all plain numbers like 2.0
        version = tuple(int(part) for part in record["version"].split("."))
        newest[record["name"]] = max(version, newest.get(record["name"], ()))
    expected = sorted(
        {
            r["name"]
            for r in records
            if tuple(int(part) for part in r["version"].split(".")) == newest[r["name"]]
            and any(spec.split()[0] == "dependent" for spec in r["depends"])
        }
    )
    assert expected and [d["name"] for d in body["dependants"]] == expected


def test_search_pages_and_total(system):
    names = sorted({r["name"] for r in _repodata_records("test-recipes")})
    status, _, body = get(
        f"{system.gateway_url}/api/channels/test-recipes/artifacts?limit=5&offset=3"
    )
    assert status == 200 and body["total"] == len(names)
    assert [i["name"] for i in body["items"]] == names[3:8]
    _, _, found = get(f"{system.gateway_url}/api/channels/test-recipes/artifacts?q=post_link")
    assert [i["name"] for i in found["items"]] == [n for n in names if "post_link" in n]


def test_cves_readme_and_subchannel_forms(system):
    base = f"{system.gateway_url}/api/channels/main"
    # which CVEs, exactly: tests/vulns/test_embedded_system.py derives them from the records
    tracked = get(f"{base}/artifacts/conda/zlib/cves")[2]
    assert tracked["covered"] is True and tracked["total"] == len(tracked["items"]) > 0
    untracked = get(f"{base}/artifacts/conda/libgcc-ng/cves")[2]
    assert (untracked["covered"], untracked["items"], untracked["total"]) == (False, [], 0)
    status, _, readme = get(f"{base}/artifacts/conda/zlib/readme")
    assert status == 200 and readme["content"].startswith("zlib is designed")
    status, _, missing = get(f"{base}/artifacts/conda/libgcc-ng/readme")
    assert status == 404 and missing["error"]["code"] == "readme_not_found"
    status, _, sub = get(f"{base}/subchannels/dev/artifacts/conda/zlib")
    assert status == 404 and sub["error"]["code"] == "subchannel_not_found"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/channels/nope/artifacts/conda/zlib", 404, "channel_not_found"),
        ("/api/channels/main/artifacts/conda/numpy", 404, "package_not_found"),
        (
            "/api/channels/main/artifacts/conda/zlib/files?filename=zlib-9-0.conda",
            404,
            "file_not_found",
        ),
        ("/api/channels/main/artifacts/conda/..%2F..%2Fetc", 400, "invalid_name"),
        ("/api/channels/main/artifacts/conda/%2e%2e", 400, "invalid_name"),
        ("/api/channels/main/artifacts/conda/bad%01name", 400, "invalid_name"),
        ("/api/channels/main/artifacts/conda/" + "x" * 256, 400, "invalid_name"),
        ("/api/channels/main/artifacts?limit=0", 400, "invalid_parameter"),
        ("/api/channels/main/artifacts?limit=lots", 400, "invalid_parameter"),
    ],
)
def test_errors_are_json_with_the_right_status(system, path, status, code):
    got, headers, body = get(system.gateway_url + path)
    assert got == status
    assert headers["Content-Type"].startswith("application/json")
    assert body["error"]["code"] == code and body["error"]["message"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_writes_are_405(system, method):
    status, _, body = get(f"{system.gateway_url}/api/channels/main/artifacts", method=method)
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


def test_private_channel_hidden_without_token_and_readable_with_one(system):
    url = f"{system.gateway_url}/api/channels/private/artifacts/conda/r-base"
    status, _, body = get(url)
    assert status == 404 and body["error"]["code"] == "channel_not_found"
    status, headers, body = get(url, headers={"Authorization": f"Bearer {mint('private')}"})
    assert status == 200 and body["private"] is True
    assert "no-store" in headers["Cache-Control"]
    records = [r for r in _repodata_records("private") if r["name"] == "r-base"]
    assert body["file_count"] == len(records)


def test_etag_and_304(system):
    url = f"{system.gateway_url}/api/channels/main/artifacts/conda/zlib"
    _, headers, _ = get(url)
    etag = headers["ETag"]
    status, _, _ = get(url, headers={"If-None-Match": etag})
    assert status == 304


def test_openapi_document_covers_every_route(system):
    status, _, raw = get(f"{system.gateway_url}/api/openapi.yaml")
    assert status == 200
    spec = yaml.safe_load(raw)
    from gateway import create_app

    app = create_app()
    routed = {
        str(rule.rule).replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if str(rule.rule).startswith(("/api/channels", "/api/environments"))
        and "subchannels" not in str(rule.rule)
    }
    assert routed == set(spec["paths"])

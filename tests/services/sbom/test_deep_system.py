"""Deep and signed SBOMs through the real gateway, metadata and SBOM processes (gunicorn):
remote channels over a loopback HTTP server with range requests, tampered packages, keys."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CHANNELS
from tests.conftest import mint
from tests.contents.rangeserver import RangeServer
from tests.processes import http_get as get
from tests.processes import start_system

pytestmark = pytest.mark.integration

ZLIB = "zlib-1.2.11-h7b6447c_3.conda"
ZLIB_BZ2 = "zlib-1.2.11-h7b6447c_3.tar.bz2"
WIN32 = "zlib-1.2.11-h62dcd97_3.conda"
OSX_BZ2 = "zlib-1.2.11-h1de35cc_3.tar.bz2"
ENVELOPE_TYPE = "application/vnd.dsse.envelope.v1+json"


def _tamper(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit: same size, another sha256
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    """`main` served over HTTP with ranges, and a copy of it with tampered archives."""
    root = tmp_path_factory.mktemp("remote")
    shutil.copytree(CHANNELS / "main", root / "main")
    shutil.copytree(CHANNELS / "main", root / "tampered")
    # archives no other test reads: a verified copy elsewhere would answer by its sha256
    _tamper(root / "tampered" / "win-32" / WIN32)
    _tamper(root / "tampered" / "osx-64" / OSX_BZ2)
    server = RangeServer(root)
    yield server, root
    server.close()


@pytest.fixture(scope="module")
def deep(tmp_path_factory, remote):
    """A system whose channels are local, remote (HTTP), and tampered (local and remote)."""
    server, root = remote
    work = tmp_path_factory.mktemp("deep")
    channels = work / "channels.toml"
    channels.write_text(
        f"""
[channels.main]
url = "{(CHANNELS / "main").as_uri()}"
[channels.private]
url = "{(CHANNELS / "private").as_uri()}"
subdirs = ["linux-64"]
private = true
[channels.remote]
url = "{server.url}/main"
subdirs = ["linux-64", "noarch"]
[channels.tampered]
url = "{(root / "tampered").as_uri()}"
subdirs = ["win-32", "noarch"]
[channels.tampered-remote]
url = "{server.url}/tampered"
subdirs = ["osx-64", "noarch"]
"""
    )
    system = start_system(
        work, {"GATEWAY_CHANNELS_FILE": str(channels)}, only=("gateway", "metadata", "sbom")
    )
    yield system
    system.stop()


def _root(body: bytes) -> dict:
    return json.loads(body)["metadata"]["component"]


def _properties(component: dict) -> dict:
    return {p["name"]: p["value"] for p in component.get("properties", [])}


def test_remote_conda_is_read_with_range_requests_well_under_the_whole_file(deep, remote):
    server, root = remote
    size = (root / "main" / "linux-64" / ZLIB).stat().st_size
    status, _, body = get(deep.gateway_url, f"/remote/linux-64/{ZLIB}.cdx.json")
    assert status == 200, body[:300]
    sent = server.bytes_sent[f"/main/linux-64/{ZLIB}"]
    assert 0 < sent < size * 0.3, f"{sent} of {size} bytes fetched"
    assert all(h.startswith("bytes=") for h in server.range_headers)
    component = _root(body)
    files = [c for c in component["components"] if c["type"] == "file"]
    assert len(files) == 7
    properties = _properties(component)
    assert properties["conda:contents:archive-read"] == "range"
    assert properties["conda:contents:archive-sha256-verified"] == "false"
    assert properties["conda:contents:archive-size-verified"] == "true"
    assert any("archive digest not verified" in v for k, v in component_notes(component))
    # SPDX cannot list files without SHA-1s, and says so
    status, _, body = get(deep.gateway_url, f"/remote/linux-64/{ZLIB}.spdx.json")
    package = json.loads(body)["packages"][0]
    assert status == 200 and package["filesAnalyzed"] is False
    assert "SHA-1" in package["comment"] and "range requests" in package["comment"]
    # a second request costs the remote server nothing (cached by sha256)
    get(deep.gateway_url, f"/remote/linux-64/{ZLIB}.cdx.json?files=false")
    assert server.bytes_sent[f"/main/linux-64/{ZLIB}"] == sent


def component_notes(component: dict):
    return [
        (p["name"], p["value"])
        for p in component["properties"]
        if p["name"] == "conda:contents:note"
    ]


def test_remote_tar_bz2_is_downloaded_whole_and_verified(deep, remote):
    server, root = remote
    status, _, body = get(deep.gateway_url, f"/remote/linux-64/{ZLIB_BZ2}.spdx.json")
    assert status == 200, body[:300]
    assert (
        server.bytes_sent[f"/main/linux-64/{ZLIB_BZ2}"]
        == (root / "main" / "linux-64" / ZLIB_BZ2).stat().st_size
    )
    package = json.loads(body)["packages"][0]
    assert package["filesAnalyzed"] is True and "archive sha256 verified" in package["sourceInfo"]


@pytest.mark.parametrize(
    ("channel", "subdir", "filename", "suffix"),
    [
        ("tampered", "win-32", WIN32, ".cdx.json"),
        ("tampered", "win-32", WIN32, ".spdx.json"),
        ("tampered", "win-32", WIN32, ".cdx.intoto.json"),
        ("tampered", "win-32", WIN32, ".cdx.json?files=false"),
        ("tampered-remote", "osx-64", OSX_BZ2, ".cdx.json"),
        ("tampered-remote", "osx-64", OSX_BZ2, ".spdx.intoto.json"),
    ],
)
def test_a_tampered_package_gets_a_clear_error_never_an_sbom(
    deep, channel, subdir, filename, suffix
):
    status, headers, body = get(deep.gateway_url, f"/{channel}/{subdir}/{filename}{suffix}")
    assert status == 502, body[:300]
    error = json.loads(body)["error"]
    assert error["code"] == "archive_digest_mismatch"
    assert "does not match the channel's repodata" in error["message"]
    assert f"{channel}/{subdir}/{filename}" in error["message"]
    assert "bomFormat" not in body.decode() and "payload" not in json.loads(body)
    status, _, body = get(
        deep.metadata_url,
        f"/api/channels/{channel}/artifacts/conda/zlib/contents?subdir={subdir}&filename={filename}",
    )
    assert status == 502 and json.loads(body)["error"]["code"] == "archive_digest_mismatch"


def test_signed_sbom_verifies_offline_with_the_published_keys(deep, tmp_path):
    status, headers, body = get(deep.gateway_url, f"/main/linux-64/{ZLIB}.cdx.intoto.json")
    assert status == 200 and headers["content-type"] == ENVELOPE_TYPE
    assert headers["content-disposition"] == f'attachment; filename="{ZLIB}.cdx.intoto.json"'
    status, _, keys = get(deep.gateway_url, "/.well-known/conda-badges/sbom-keys.json")
    assert status == 200
    (tmp_path / "e.json").write_bytes(body)
    (tmp_path / "k.json").write_bytes(keys)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "attestation.cli",
            str(tmp_path / "e.json"),
            "--keys",
            str(tmp_path / "k.json"),
            "--artifact",
            str(CHANNELS / "main" / "linux-64" / ZLIB),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"verified: {ZLIB} sha256 ")
    # the plain document is the predicate, byte for byte in meaning
    _, _, plain = get(deep.gateway_url, f"/main/linux-64/{ZLIB}.cdx.json")
    import base64

    statement = json.loads(base64.b64decode(json.loads(body)["payload"]))
    assert statement["predicate"] == json.loads(plain)
    # SPDX too, and through the SBOM service directly with an ETag that holds across workers
    status, headers, _ = get(deep.sbom_url, f"/main/linux-64/{ZLIB}.spdx.intoto.json")
    assert status == 200
    for _ in range(4):
        again, _, _ = get(
            deep.sbom_url,
            f"/main/linux-64/{ZLIB}.spdx.intoto.json",
            {"If-None-Match": headers["etag"]},
        )
        assert again == 304


def test_private_signed_sbom_needs_a_token(deep):
    path = "/private/linux-64/r-base-3.4.2-haf99962_0.tar.bz2.cdx.intoto.json"
    status, _, _ = get(deep.gateway_url, path)
    assert status == 404
    token = mint("private", audience="sbom")
    status, headers, body = get(deep.gateway_url, path, {"Authorization": f"Bearer {token}"})
    assert status == 200 and headers["cache-control"] == "private, no-store"
    assert token.encode() not in body


def test_the_private_key_never_reaches_a_log_or_a_response(deep):
    bodies = []
    for path in (
        f"/main/linux-64/{ZLIB}.cdx.intoto.json",
        f"/main/linux-64/{ZLIB}.spdx.intoto.json",
        "/.well-known/conda-badges/sbom-keys.json",
        f"/main/linux-64/{ZLIB}.cdx.json",
        "/main/linux-64/nope-1.0-0.conda.cdx.intoto.json",
    ):
        bodies.append(get(deep.gateway_url, path)[2])
        bodies.append(get(deep.sbom_url, path)[2])
    pem = (deep.state_dir / "sbom-signing-key.pem").read_text()
    secret = "".join(line for line in pem.splitlines() if "-----" not in line)
    assert len(secret) > 40
    for body in bodies:
        assert secret.encode() not in body and b"PRIVATE KEY" not in body
    logs = [p for p in deep.log_dir.iterdir() if p.is_file()]
    assert logs
    for path in logs:
        text = path.read_text(errors="replace")
        assert secret not in text and "PRIVATE KEY" not in text, path.name
        # control: the scan reads the real logs (the key id is logged at start)
    assert any("SBOM signing key id" in p.read_text(errors="replace") for p in logs)


def test_batch_lookups_respect_private_channels(deep):
    body = json.dumps({"specs": ["r-base >=3.4", "nope"], "subdir": "linux-64"})
    status, _, answer = post(deep.gateway_url, "/api/channels/private/batch/files", body)
    assert status == 404 and json.loads(answer)["error"]["code"] == "channel_not_found"
    token = mint("private", audience="api")
    status, headers, answer = post(
        deep.gateway_url,
        "/api/channels/private/batch/files",
        body,
        {"Authorization": f"Bearer {token}"},
    )
    assert status == 200 and headers["cache-control"] == "private, no-store"
    items = json.loads(answer)["items"]
    assert [(i["name"], i["found"]) for i in items] == [("r-base", True), ("nope", False)]
    assert items[0]["files"] and all(f["version"] >= "3.4" for f in items[0]["files"])
    wrong = mint("main", audience="api")
    status, _, _ = post(
        deep.gateway_url,
        "/api/channels/private/batch/files",
        body,
        {"Authorization": f"Bearer {wrong}"},
    )
    assert status == 403
    status, _, answer = post(deep.gateway_url, "/api/channels/main/batch/files", "{not json")
    assert status == 400 and "JSON" in json.loads(answer)["error"]["message"]


def post(base: str, path: str, body: str, headers: dict | None = None):
    """(status, lower-cased headers, body) for one POST with a JSON body."""
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_spdx3_through_the_gateway_states_its_sha512_or_why_not(deep):
    """A local archive is read whole (SHA-512 given); a remote .conda by range requests (not)."""
    import hashlib

    for channel, whole in (("main", True), ("remote", False)):
        status, headers, body = get(deep.gateway_url, f"/{channel}/linux-64/{ZLIB}.spdx3.json")
        assert status == 200, body
        assert headers["content-type"] == "application/spdx+json; version=3.0.1"
        graph = json.loads(body)["@graph"]
        (artifact,) = [e for e in graph if e.get("type") == "software_File" and e["name"] == ZLIB]
        hashes = {h["algorithm"]: h["hashValue"] for h in artifact["verifiedUsing"]}
        expected = hashlib.sha512((CHANNELS / "main" / "linux-64" / ZLIB).read_bytes())
        (package,) = [
            e for e in graph if e.get("type") == "software_Package" and e["name"] == "zlib"
        ]
        if whole or "sha512" in hashes:  # a verified read of the same bytes answers by sha256
            assert hashes["sha512"] == expected.hexdigest()
        else:  # range mode: none, and the document says why
            assert "SHA-512 not computed" in package["comment"]
    status, _, envelope = get(deep.gateway_url, f"/main/linux-64/{ZLIB}.spdx3.intoto.json")
    assert status == 200 and json.loads(envelope)["payloadType"] == "application/vnd.in-toto+json"


def test_read_whole_gives_a_remote_conda_its_sha512(deep):
    import hashlib

    path = f"/remote/linux-64/{ZLIB}.spdx3.json?read=whole"
    status, _, body = get(deep.gateway_url, path)
    assert status == 200, body
    graph = json.loads(body)["@graph"]
    (artifact,) = [e for e in graph if e.get("type") == "software_File" and e["name"] == ZLIB]
    hashes = {h["algorithm"]: h["hashValue"] for h in artifact["verifiedUsing"]}
    expected = hashlib.sha512((CHANNELS / "main" / "linux-64" / ZLIB).read_bytes()).hexdigest()
    assert hashes["sha512"] == expected
    status, _, body = get(deep.gateway_url, f"/remote/linux-64/{ZLIB}.spdx3.json?read=partly")
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_parameter"

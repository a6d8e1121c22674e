"""Issue 20, item 10: an SBOM degrades instead of failing when the archive cannot be read
now: the recorded anaconda.org channel, its download host offline (a loopback port where
nothing listens), answers the SBOM of pytest-3.10.0-py27_0.tar.bz2 in short and full form
from the package's record, saying what is missing and why, with a short cache lifetime, and
never signs it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import RECORDED
from tests.processes import UpstreamServer
from tests.processes import free_port
from tests.processes import http_get as get
from tests.processes import start_system

pytestmark = pytest.mark.integration

RECORD = RECORDED / "anaconda-api/package/anaconda/pytest.json"
FILE = "/anaconda-rec/linux-32/pytest-3.10.0-py27_0.tar.bz2"
SHORT_MAX_AGE = 30  # docs/sbom.md, "When the contents cannot be read now"


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    """Gateway, metadata and SBOM over the recorded anaconda.org answer; downloads offline."""
    work = tmp_path_factory.mktemp("offline")
    upstream = UpstreamServer(routes={"/package/anaconda/pytest": RECORD})
    config = work / "channels.toml"
    config.write_text(
        f'[channels.anaconda-rec]\ndriver = "anaconda-org"\nurl = "{upstream.url}"\n'
        f'owner = "anaconda"\ndownload_url = "http://127.0.0.1:{free_port()}/anaconda"\n'
    )
    system = start_system(work, {"GATEWAY_CHANNELS_FILE": str(config)})
    yield system
    system.stop()
    upstream.close()


def _record() -> dict:
    """The file's entry in the recorded anaconda.org answer."""
    document = json.loads(RECORD.read_text())
    wanted = FILE.split("/", 2)[2]
    (entry,) = [f for f in document["files"] if f["basename"] == wanted]
    return entry


def _max_age(headers: dict) -> int:
    return int(headers["cache-control"].split("max-age=")[1].split(",")[0])


@pytest.mark.parametrize("query", ["", "?files=false"])
def test_the_offline_files_cyclonedx_comes_from_its_record_and_says_what_is_missing(offline, query):
    status, headers, body = get(offline.gateway_url, f"{FILE}.cdx.json{query}")
    assert status == 200, body[:400]
    assert headers["cache-control"].startswith("public") and _max_age(headers) <= SHORT_MAX_AGE
    bom = json.loads(body)
    root = bom["metadata"]["component"]
    record = _record()
    assert (root["name"], root["version"]) == (record["attrs"]["name"], record["version"])
    hashes = {h["alg"]: h["content"] for h in root.get("hashes", [])}
    assert hashes.get("SHA-256") == record["attrs"]["sha256"]
    properties = {p["name"]: p["value"] for p in root["properties"]}
    assert properties["conda:contents:status"].startswith("unreadable now (contents_unreadable)")
    assert "files" in properties["conda:contents:missing"]
    assert "license texts" in properties["conda:contents:missing"]
    depends = {d.split()[0] for d in record["attrs"]["depends"]}
    named = {c["name"] for c in bom.get("components", [])}
    assert depends <= named | {root["name"]}, depends - named


def test_the_offline_files_spdx_comes_from_its_record_and_says_what_is_missing(offline):
    status, headers, body = get(offline.gateway_url, f"{FILE}.spdx.json")
    assert status == 200, body[:400]
    assert _max_age(headers) <= SHORT_MAX_AGE
    package = json.loads(body)["packages"][0]
    assert "unreadable now" in package["sourceInfo"] and "license texts" in package["sourceInfo"]


@pytest.mark.parametrize("suffix", [".cdx.intoto.json", ".spdx.intoto.json"])
def test_an_sbom_without_its_contents_is_never_signed(offline, suffix):
    status, _, body = get(offline.gateway_url, FILE + suffix)
    assert status == 503
    assert json.loads(body)["error"]["code"] == "contents_unreadable"

"""The anaconda-org driver against a real HTTP server serving the recorded API response."""

import json
from collections import Counter

import pytest

from common.channels import parse_channels
from common.errors import NotFound
from common.settings import Settings
from gateway import artifacts
from gateway.drivers.anaconda_org import AnacondaOrgDriver
from gateway.drivers.anaconda_org import parse_package
from gateway.upstream import UpstreamFetcher
from tests.conftest import RECORDED
from tests.processes import UpstreamServer

RESPONSE = RECORDED / "anaconda-api/package/anaconda/pytest.json"


@pytest.fixture(scope="module")
def recorded() -> dict:
    return json.loads(RESPONSE.read_text())


@pytest.fixture
def server():
    upstream = UpstreamServer(routes={"/package/anaconda/pytest": RESPONSE})
    yield upstream
    upstream.close()


@pytest.fixture
def driver(tmp_path, server) -> AnacondaOrgDriver:
    text = (
        f'[channels.anaconda]\ndriver = "anaconda-org"\nurl = "{server.url}"\n'
        'packages = ["pytest"]\ncredential_env = "ANACONDA_TOKEN"\n'
    )
    channels = parse_channels(text, tmp_path, {"ANACONDA_TOKEN": "upstream-credential"})
    settings = Settings.from_env({"STATE_DIR": str(tmp_path)}, channels=channels)
    return AnacondaOrgDriver(channels["anaconda"], UpstreamFetcher(settings))


def test_versions_are_unique_and_in_conda_order(driver, recorded):
    raw = recorded["versions"]
    assert len(raw) != len(set(raw))  # the quirk: duplicates ...
    assert raw != sorted(raw, key=lambda v: [int(p) for p in v.split(".")])  # ... unsorted
    body = artifacts.artifact(driver.package("pytest", None), "anaconda", None, False)
    expected = sorted(
        {f["version"] for f in recorded["files"]}, key=lambda v: tuple(map(int, v.split(".")))
    )
    assert body["versions"] == expected
    assert body["latest_version"] == "8.3.4"


def test_downloads_are_summed_over_files(driver, recorded):
    body = artifacts.artifact(driver.package("pytest", None), "anaconda", None, False)
    assert body["download_count"] == sum(f["ndownloads"] for f in recorded["files"])


def test_none_strings_become_null(driver, recorded):
    assert recorded["home"] == "None"
    info = driver.package("pytest", None)
    assert info.home is None
    broken = [f for f in recorded["files"] if f["sha256"] == "None"]
    assert broken, "the recorded response has files whose top-level sha256 is 'None'"
    by_path = {(f.subdir, f.filename): f for f in info.files}
    for entry in broken[:50]:
        subdir, filename = entry["basename"].split("/")
        file = by_path[(subdir, filename)]
        assert file.sha256 == (entry["attrs"].get("sha256") or None)
        assert file.sha256 != "None"


def test_platforms_dates_and_urls(driver, recorded):
    info = driver.package("pytest", None)
    body = artifacts.artifact(info, "anaconda", None, False)
    assert body["platforms"][:2] == ["linux-32", "linux-64"]
    assert set(body["platforms"]) == set(recorded["conda_platforms"])
    assert body["created_at"] == "2015-11-03T00:38:29Z"
    assert all(f.download_url.startswith("https://api.anaconda.org/download/") for f in info.files)


def test_labels_are_subchannels(driver, recorded):
    labels = Counter(label for f in recorded["files"] for label in f["labels"])
    assert set(labels) == {"main"}
    assert len(driver.package("pytest", "main").files) == labels["main"]
    with pytest.raises(NotFound) as missing:
        driver.package("pytest", "dev")
    assert missing.value.code == "subchannel_not_found"


def test_unknown_package_is_404_and_credential_is_sent_upstream(driver, server):
    with pytest.raises(NotFound) as missing:
        driver.package("not-a-package", None)
    assert missing.value.code == "package_not_found"
    assert "upstream-credential" not in str(missing.value)
    assert all(h.get("Authorization") == "token upstream-credential" for h in server.headers_seen)


def test_search_covers_configured_packages(driver):
    items, total = driver.search(None, "test", 10, 0)
    assert total == 1 and items[0]["name"] == "pytest"
    assert driver.search(None, "numpy", 10, 0) == ([], 0)


def test_a_download_url_base_replaces_the_apis_file_urls(recorded):
    base = "https://conda.example.org/anaconda"
    from_api = parse_package(recorded)
    from_base = parse_package(recorded, base)
    assert len(from_api.files) == len(from_base.files) == len(recorded["files"])
    for api_file, file in zip(from_api.files, from_base.files, strict=True):
        assert file.download_url == f"{base}/{file.subdir}/{file.filename}"
        assert api_file.download_url != file.download_url
        assert (api_file.filename, api_file.subdir) == (file.filename, file.subdir)

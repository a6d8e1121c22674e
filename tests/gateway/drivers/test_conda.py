"""The conda driver on the real embedded channels, over file:// and over a real HTTP server."""

import json

import pytest

from common.channels import parse_channels
from common.errors import NotFound
from common.settings import Settings
from gateway import artifacts
from gateway.drivers.conda import CondaDriver
from gateway.drivers.conda import parse_repodata
from gateway.drivers.conda import timestamp_seconds
from gateway.upstream import UpstreamFetcher
from tests.conftest import CHANNELS
from tests.processes import UpstreamServer


def _records(channel: str) -> list[dict]:
    """Every record of a channel's repodata files, read straight from disk."""
    records = []
    for path in sorted((CHANNELS / channel).glob("*/repodata.json")):
        document = json.loads(path.read_text())
        for key in ("packages", "packages.conda"):
            for filename, record in document.get(key, {}).items():
                records.append({"subdir": path.parent.name, **record, "filename": filename})
    return records


def _driver(tmp_path, url: str, extra: str = "") -> CondaDriver:
    text = f'[channels.c]\ndriver = "conda"\nurl = "{url}"\n{extra}'
    channels = parse_channels(text, tmp_path, {})
    settings = Settings.from_env({"STATE_DIR": str(tmp_path / "state")}, channels=channels)
    return CondaDriver(channels["c"], UpstreamFetcher(settings))


@pytest.fixture
def main_over_http():
    server = UpstreamServer(root=CHANNELS / "main")
    yield server
    server.close()


@pytest.mark.parametrize("transport", ["file", "http"])
def test_zlib_facts_match_the_repodata(tmp_path, transport, main_over_http):
    url = (CHANNELS / "main").as_uri() if transport == "file" else main_over_http.url
    driver = _driver(tmp_path, url)
    info = driver.package("zlib", None)
    expected = [r for r in _records("main") if r["name"] == "zlib"]
    assert sorted((f.subdir, f.filename) for f in info.files) == sorted(
        (r["subdir"], r["filename"]) for r in expected
    )
    body = artifacts.artifact(info, "main", None, False)
    assert body["latest_version"] == "1.2.11"
    assert body["platforms"] == ["linux-64", "osx-64", "win-32", "win-64"]
    assert body["versions"] == ["1.2.8", "1.2.11"]
    assert body["license_spdx"] == "Zlib"
    assert body["home"] == "http://zlib.net/"  # from channeldata.json
    newest = max(r["timestamp"] for r in expected if "timestamp" in r) / 1000
    assert body["updated_at"] == artifacts.iso(newest)
    # file names repeat across subdirs (win-32 and win-64 builds share one)
    by_name = {(f.subdir, f.filename): f for f in info.files}
    for record in expected:
        file = by_name[(record["subdir"], record["filename"])]
        assert (file.md5, file.sha256, file.size) == (
            record["md5"],
            record.get("sha256"),
            record["size"],
        )
        assert list(file.depends) == record["depends"]
    if transport == "http":
        assert by_name[("linux-64", "zlib-1.2.11-h7b6447c_3.conda")].download_url == (
            f"{main_over_http.url}/linux-64/zlib-1.2.11-h7b6447c_3.conda"
        )
    else:
        assert by_name[("linux-64", "zlib-1.2.11-h7b6447c_3.conda")].download_url is None


def test_subdirs_come_from_channeldata_when_not_configured(tmp_path, main_over_http):
    driver = _driver(tmp_path, main_over_http.url)
    driver.package("zlib", None)
    fetched = {path for path in main_over_http.hits}
    assert "/channeldata.json" in fetched
    assert "/osx-64/repodata.json" in fetched
    assert not any(p.startswith("/linux-aarch64/") for p in fetched)  # not in channeldata


def test_unknown_package_and_subchannel(tmp_path):
    driver = _driver(tmp_path, (CHANNELS / "main").as_uri())
    with pytest.raises(NotFound) as missing:
        driver.package("numpy", None)
    assert missing.value.code == "package_not_found"
    with pytest.raises(NotFound) as no_label:
        driver.package("zlib", "dev")
    assert no_label.value.code == "subchannel_not_found"


def test_dependants_on_test_recipes(tmp_path):
    driver = _driver(tmp_path, (CHANNELS / "test-recipes").as_uri(), 'subdirs = ["noarch"]\n')
    # computed from the repodata: who depends on `dependent` in its latest version?
    records = _records("test-recipes")
    latest: dict[str, str] = {}
    for record in records:
        if record["name"] not in latest or float(record["version"]) > float(latest[record["name"]]):
            latest[record["name"]] = record["version"]
    expected = sorted(
        {
            r["name"]
            for r in records
            if r["version"] == latest[r["name"]]
            and any(d.split()[0] == "dependent" for d in r["depends"])
        }
    )
    assert [d["name"] for d in driver.dependants("dependent", None)] == expected
    assert "another_dependent" in expected


def test_search_and_pages(tmp_path):
    driver = _driver(tmp_path, (CHANNELS / "test-recipes").as_uri(), 'subdirs = ["noarch"]\n')
    names = sorted({r["name"] for r in _records("test-recipes")})
    page, total = driver.search(None, "", 10, 5)
    assert total == len(names)
    assert [item["name"] for item in page] == names[5:15]
    matches, total = driver.search(None, "DEPEND", 50, 0)
    assert [m["name"] for m in matches] == [n for n in names if "depend" in n]


def test_timestamps_in_seconds_or_milliseconds():
    assert timestamp_seconds(1542814864621) == pytest.approx(1542814864.621)
    assert timestamp_seconds(1542814864) == 1542814864.0
    assert timestamp_seconds(None) is None
    assert timestamp_seconds("soon") is None


def test_base_url_of_repodata_v2_sets_download_urls():
    document = {
        "info": {"subdir": "linux-64", "base_url": "https://repo.example/pkgs/main/linux-64/"},
        "repodata_version": 2,
        "packages.conda": {
            "a-1-0.conda": {"name": "a", "version": "1", "build": "0", "build_number": 0}
        },
    }
    (file,) = parse_repodata(document, None)
    assert file.download_url == "https://repo.example/pkgs/main/linux-64/a-1-0.conda"
    assert file.subdir == "linux-64"

"""Pure render() tables for every kind, and the real anaconda.org download count."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from services.badges import kinds
from services.badges.kinds import downloads
from services.badges.kinds import latest_release_date
from services.badges.kinds import latest_release_relative_date
from services.badges.kinds import license
from services.badges.kinds import platforms
from services.badges.kinds import version
from services.badges.model import Badge
from services.badges.model import Facts
from services.badges.model import facts_from_artifact
from tests.conftest import RECORDED

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def facts(**values) -> Facts:
    return Facts(channel="main", name="pkg", now=NOW, **values)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"latest_version": "1.2.11"}, Badge("conda | main", "1.2.11", "blue")),
        ({"latest_version": "2.0.0rc1"}, Badge("conda | main", "2.0.0rc1", "orange")),
        ({"latest_version": "1.0.dev0"}, Badge("conda | main", "1.0.dev0", "orange")),
        ({"latest_version": "0.9.1"}, Badge("conda | main", "0.9.1", "orange")),
        ({"latest_version": "2024.1"}, Badge("conda | main", "2024.1", "blue")),
        ({"latest_version": None}, Badge("conda | main", "unknown", "lightgrey")),
        (
            {"latest_version": "3.0", "subchannel": "dev"},
            Badge("conda | main/dev", "3.0", "blue"),
        ),
    ],
)
def test_version(values, expected):
    assert version.render(facts(**values)) == expected


@pytest.mark.parametrize(
    ("count", "message", "color"),
    [
        (None, "n/a", "lightgrey"),
        (0, "0", "red"),
        (1, "1", "yellow"),
        (9, "9", "yellow"),
        (10, "10", "yellowgreen"),
        (99, "99", "yellowgreen"),
        (100, "100", "green"),
        (999, "999", "green"),
        (1000, "1k", "brightgreen"),
        (1099, "1k", "brightgreen"),
        (1234, "1.2k", "brightgreen"),
        (9999, "9.9k", "brightgreen"),
        (12_345, "12k", "brightgreen"),
        (999_999, "999k", "brightgreen"),
        (1_000_000, "1M", "brightgreen"),
        (3_456_789, "3.4M", "brightgreen"),
        (12_345_678_901, "12G", "brightgreen"),
    ],
)
def test_downloads(count, message, color):
    assert downloads.render(facts(download_count=count)) == Badge("downloads", message, color)


@pytest.mark.parametrize("count", [1000, 1001, 1999, 10_000, 999_999, 1_000_001, 10**12])
def test_downloads_never_zero_thousands(count):
    message = downloads.humanize(count)
    assert not message.startswith("0")
    assert message[-1] in "kMGT"


def test_downloads_from_recorded_anaconda_org_response():
    # the real GET api.anaconda.org/package/anaconda/pytest: total = sum of files[].ndownloads
    recorded = json.loads((RECORDED / "anaconda-api/package/anaconda/pytest.json").read_text())
    total = sum(file["ndownloads"] for file in recorded["files"])
    assert 100_000 <= total < 1_000_000  # so the message must be whole thousands, rounded down
    badge = downloads.render(facts(download_count=total))
    assert badge == Badge("downloads", f"{total // 1000}k", "brightgreen")


@pytest.mark.parametrize(
    ("values", "message", "color"),
    [
        ({"license": "zlib", "license_spdx": "Zlib"}, "Zlib", "blue"),
        ({"license": "GPL (>= 2)", "license_spdx": "GPL-2.0-or-later"}, "GPL-2.0-or-later", "blue"),
        ({"license": "GPL", "license_spdx": None}, "GPL", "blue"),
        (
            {"license": "  Some   custom\tlicense ", "license_spdx": None},
            "Some custom license",
            "blue",
        ),
        ({"license": None, "license_spdx": None}, "unknown", "lightgrey"),
        ({"license": "", "license_spdx": None}, "unknown", "lightgrey"),
        ({"license": "None", "license_spdx": None}, "unknown", "lightgrey"),
        ({"license": "x" * 80, "license_spdx": None}, "x" * 59 + "\u2026", "blue"),
    ],
)
def test_license(values, message, color):
    assert license.render(facts(**values)) == Badge("license", message, color)


@pytest.mark.parametrize(
    ("subdirs", "message", "color"),
    [
        (
            ("win-64", "noarch", "osx-arm64", "linux-64", "osx-64", "linux-aarch64", "win-32"),
            "linux-64 | linux-aarch64 | osx-64 | osx-arm64 | win-32 | win-64 | noarch",
            "blue",
        ),
        (("noarch",), "noarch", "blue"),
        (("emscripten-wasm32", "noarch", "zos-z"), "emscripten-wasm32 | zos-z | noarch", "blue"),
        (("linux-64", "linux-64"), "linux-64", "blue"),
        ((), "none", "lightgrey"),
    ],
)
def test_platforms(subdirs, message, color):
    assert platforms.render(facts(platforms=subdirs)) == Badge("platforms", message, color)


@pytest.mark.parametrize(
    ("updated", "message", "color"),
    [
        (datetime(2018, 11, 21, 15, 41, 4, tzinfo=UTC), "2018-11-21", "blue"),
        (datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC), "2026-11-22", "blue"),
        (None, "unknown", "lightgrey"),
    ],
)
def test_latest_release_date(updated, message, color):
    badge = latest_release_date.render(facts(updated_at=updated))
    assert badge == Badge("last updated", message, color)


@pytest.mark.parametrize(
    ("age", "message", "color"),
    [
        (timedelta(hours=3), "today", "brightgreen"),
        (timedelta(hours=-3), "today", "brightgreen"),  # a clock ahead of ours
        (timedelta(days=1, hours=2), "yesterday", "brightgreen"),
        (timedelta(days=3), "3 days ago", "brightgreen"),
        (timedelta(days=7), "7 days ago", "brightgreen"),
        (timedelta(days=8), "8 days ago", "green"),
        (timedelta(days=14), "2 weeks ago", "green"),
        (timedelta(days=30), "4 weeks ago", "green"),
        (timedelta(days=31), "4 weeks ago", "yellowgreen"),
        (timedelta(days=60), "2 months ago", "yellowgreen"),
        (timedelta(days=200), "6 months ago", "yellow"),
        (timedelta(days=365), "1 year ago", "yellow"),
        (timedelta(days=400), "1 year ago", "orange"),
        (timedelta(days=731), "2 years ago", "red"),
        (timedelta(days=3000), "8 years ago", "red"),
    ],
)
def test_latest_release_relative_date(age, message, color):
    badge = latest_release_relative_date.render(facts(updated_at=NOW - age))
    assert badge == Badge("updated", message, color)


def test_relative_date_unknown_without_timestamps():
    badge = latest_release_relative_date.render(facts(updated_at=None))
    assert badge == Badge("updated", "unknown", "lightgrey")


def test_aliases_and_unknown_kinds():
    assert kinds.resolve("updated") == "latest_release_date"
    assert kinds.resolve("updated-ago") == "latest_release_relative_date"
    assert kinds.resolve("version") == "version"
    assert kinds.resolve("installer") is None
    assert kinds.resolve("__init__") is None


def test_default_cache_lengths_short_for_changing_facts_long_for_license():
    assert kinds.max_age("version") <= 300
    assert kinds.max_age("latest_release_date") <= 300
    assert kinds.max_age("latest_release_relative_date") <= 300
    assert kinds.max_age("license") >= 3600


def test_facts_from_artifact_reads_the_gateway_shape():
    artifact = {
        "name": "zlib",
        "subchannel": None,
        "latest_version": "1.2.11",
        "license": "zlib",
        "license_spdx": "Zlib",
        "platforms": ["linux-64", "win-64"],
        "updated_at": "2018-11-21T15:41:04Z",
        "download_count": None,
    }
    result = facts_from_artifact(artifact, "main", NOW)
    assert result.updated_at == datetime(2018, 11, 21, 15, 41, 4, tzinfo=UTC)
    assert result.platforms == ("linux-64", "win-64")
    assert result.download_count is None
    assert (
        facts_from_artifact({**artifact, "download_count": True}, "main", NOW).download_count
        is None
    )
    assert (
        facts_from_artifact({**artifact, "updated_at": "garbage"}, "main", NOW).updated_at is None
    )


def test_facts_from_artifact_tolerates_odd_types():
    odd = {"name": 3, "latest_version": 1.5, "license": ["MIT"], "platforms": "linux-64"}
    result = facts_from_artifact(odd, "main", NOW)
    assert (result.name, result.latest_version, result.license, result.platforms) == (
        "",
        None,
        None,
        (),
    )

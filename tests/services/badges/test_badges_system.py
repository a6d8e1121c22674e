"""Badges through the real gateway and badges processes (gunicorn), on the embedded channels."""

from __future__ import annotations

import json
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rattler import Version

from common.licenses import normalize_spdx
from common.settings import Settings
from tests.conftest import RECORDED
from tests.processes import UpstreamServer
from tests.processes import free_port
from tests.processes import http_get as get
from tests.processes import start_gunicorn
from tests.processes import start_system
from tests.processes import system_env
from tests.services.badges.helpers import parse_svg
from tests.services.badges.realdata import Expected
from tests.services.badges.realdata import channel_packages
from tests.services.badges.realdata import platform_sort_key
from tests.services.badges.realdata import relative_text

pytestmark = pytest.mark.integration

SVG_NS = "{http://www.w3.org/2000/svg}"
KIND_FILES = (
    "version",
    "downloads",
    "license",
    "platforms",
    "latest_release_date",
    "latest_release_relative_date",
    "updated",
    "updated-ago",
)


def expected_license(expected: Expected) -> str:
    if not expected.license:
        return "unknown"
    text = normalize_spdx(expected.license) or " ".join(expected.license.split())
    return text if len(text) <= 60 else text[:59].rstrip() + "\u2026"


def expected_messages(channel: str, expected: Expected, now: datetime) -> dict[str, str]:
    updated = expected.updated
    return {
        "version": expected.version,
        "downloads": "n/a",  # conda channels carry no download counts
        "license": expected_license(expected),
        "platforms": " | ".join(expected.platforms),
        "latest_release_date": updated.strftime("%Y-%m-%d") if updated else "unknown",
        "latest_release_relative_date": relative_text(updated, now) if updated else "unknown",
    }


def check_package(system, channel: str, expected: Expected, token: str | None = None):
    suffix = f"?token={token}" if token else ""
    before = datetime.now(UTC)
    for kind_file in KIND_FILES:
        kind = {"updated": "latest_release_date", "updated-ago": "latest_release_relative_date"}
        kind = kind.get(kind_file, kind_file)
        path = f"/{channel}/{expected.name}/badges/{kind_file}"
        status, headers, body = get(system.gateway_url, f"{path}.json{suffix}")
        assert status == 200, (path, body)
        message = json.loads(body)["message"]
        wanted = expected_messages(channel, expected, before)[kind]
        if kind == "latest_release_relative_date" and message != wanted:
            wanted = expected_messages(channel, expected, datetime.now(UTC))[kind]
        assert message == wanted, (channel, expected.name, kind)
        status, headers, body = get(system.gateway_url, f"{path}.svg{suffix}")
        assert status == 200
        assert headers["content-type"] == "image/svg+xml; charset=utf-8"
        root = parse_svg(body)
        label = json.loads(get(system.gateway_url, f"{path}.json{suffix}")[2])["label"]
        assert root.get("role") == "img"
        assert root.get("aria-label") == f"{label}: {message}"
        assert root.find(f"{SVG_NS}title").text == f"{label}: {message}"
        if token:
            assert headers["cache-control"] == "private, no-store"
            assert token.encode() not in body
        else:
            assert headers["cache-control"].startswith("max-age=")


def test_main_channel_every_package(system):
    packages = channel_packages("main")
    assert packages["zlib"].version == "1.2.11"
    assert packages["zlib"].platforms == ("linux-64", "osx-64", "win-32", "win-64")
    for expected in packages.values():
        check_package(system, "main", expected)


def test_zlib_badges_read_as_expected(system):
    def message(kind: str) -> str:
        return json.loads(get(system.gateway_url, f"/main/zlib/badges/{kind}.json")[2])["message"]

    assert message("version") == "1.2.11"
    assert message("platforms") == "linux-64 | osx-64 | win-32 | win-64"
    assert message("license") == "Zlib"
    assert message("downloads") == "n/a"
    assert message("latest_release_date") == "2018-11-21"


def test_test_recipes_every_package(system):
    packages = channel_packages("test-recipes")
    assert sum(1 for p in packages.values() if p.license is None) > len(packages) // 2
    for expected in packages.values():
        check_package(system, "test-recipes", expected)


def test_private_channel_sample_with_token(system, mint_token):
    packages = channel_packages("private")
    names = sorted(packages)
    sample = set(names[::12]) | {"r-base"} | {n for n, p in packages.items() if p.updated is None}
    token = mint_token("private", audience="badges")
    for name in sorted(sample):
        check_package(system, "private", packages[name], token)


def test_private_channel_without_token_is_not_found(system):
    status, headers, body = get(system.gateway_url, "/private/r-base/badges/version.svg")
    assert status == 404
    assert parse_svg(body).get("aria-label") == "conda: not found"
    assert "max-age=" in headers["cache-control"]
    assert int(headers["cache-control"].split("max-age=")[1].split(",")[0]) <= 60


def test_token_forms_through_the_gateway(system, mint_token):
    token = mint_token("private", audience="badges")
    for path, headers in (
        (f"/private/r-base/badges/version.svg?token={token}", {}),
        (f"/t/{token}/private/r-base/badges/version.svg", {}),
        ("/private/r-base/badges/version.svg", {"Authorization": f"Bearer {token}"}),
    ):
        status, got, body = get(system.gateway_url, path, headers)
        assert status == 200, path
        assert got["cache-control"] == "private, no-store"
        expected = channel_packages("private")["r-base"].version
        assert parse_svg(body).get("aria-label") == f"conda | private: {expected}"


def _hour_ago() -> dict[str, int]:
    now = int(time.time())
    return {"exp": now - 3600, "iat": now - 7200}


@pytest.mark.parametrize(
    ("mint_args", "status", "wording"),
    [
        ({"channels": "private", **_hour_ago()}, 401, "token expired"),
        (
            {"channels": "private", "secret": "a-different-secret-long-enough-xxxxxxxx"},
            401,
            "token invalid",
        ),
        ({"channels": "private", "audience": "api"}, 401, "token wrong audience"),
        ({"channels": "main"}, 403, "insufficient scope"),
        (None, 401, "token malformed"),
    ],
)
def test_token_problems_are_error_badges(system, mint_token, mint_args, status, wording):
    token = "not-a-jwt" if mint_args is None else mint_token(**({"audience": "badges"} | mint_args))
    got_status, headers, body = get(
        system.gateway_url, f"/private/r-base/badges/license.svg?token={token}"
    )
    assert got_status == status
    assert parse_svg(body).get("aria-label") == f"license: {wording}"
    assert headers["cache-control"] == "private, no-store"
    assert token.encode() not in body


def test_token_on_a_public_channel_is_private_too(system, mint_token):
    token = mint_token("main", audience="badges")
    status, headers, body = get(system.gateway_url, f"/main/zlib/badges/license.svg?token={token}")
    assert status == 200 and parse_svg(body).get("aria-label") == "license: Zlib"
    assert headers["cache-control"] == "private, no-store"


def test_etag_and_304_through_the_gateway(system):
    path = "/main/zlib/badges/version.svg?label=zlib"
    status, headers, body = get(system.gateway_url, path)
    assert status == 200 and headers["etag"].startswith('"')
    status, again, body = get(system.gateway_url, path, {"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""
    assert again["etag"] == headers["etag"]
    assert again["cache-control"] == headers["cache-control"]


@pytest.mark.parametrize(
    ("kind", "max_age"),
    [("version", 300), ("license", 3600), ("downloads", 900), ("updated-ago", 300)],
)
def test_public_cache_headers(system, kind, max_age):
    shared = Settings().shared_max_age  # the gateway caps what shared caches keep (s-maxage)
    status, headers, _ = get(system.gateway_url, f"/main/zlib/badges/{kind}.svg")
    assert status == 200
    assert headers["cache-control"] == f"max-age={max_age}, s-maxage={min(max_age, shared)}"
    _, longer, _ = get(system.gateway_url, f"/main/zlib/badges/{kind}.svg?cacheSeconds=7200")
    assert longer["cache-control"] == f"max-age=7200, s-maxage={min(7200, shared)}"
    _, shorter, _ = get(system.gateway_url, f"/main/zlib/badges/{kind}.svg?cacheSeconds=1")
    assert shorter["cache-control"] == f"max-age={max_age}, s-maxage={min(max_age, shared)}"


@pytest.mark.parametrize(
    "query",
    ["color=nocolour", "link=javascript:alert(1)", "logo=https://example.org/a.png", "style=x"],
)
def test_bad_parameters_through_the_gateway(system, query):
    status, headers, body = get(system.gateway_url, f"/main/zlib/badges/license.svg?{query}")
    assert status == 400
    assert parse_svg(body).get("aria-label") == "license: invalid parameter"
    assert b"javascript" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/main/no-such-package/badges/version.svg",
        "/no-such-channel/zlib/badges/version.svg",
        "/main/label/nolabel/zlib/badges/version.svg",
    ],
)
def test_not_found_through_the_gateway(system, path):
    status, _, body = get(system.gateway_url, path)
    assert status == 404
    assert parse_svg(body).get("aria-label") == "conda: not found"


def test_embed_snippets_through_the_gateway(system, mint_token):
    status, headers, body = get(system.gateway_url, "/main/zlib/badges")
    assert status == 200
    snippets = json.loads(body)
    url = snippets["badges"]["license"]["url"]
    assert url == f"{system.gateway_url}/main/zlib/badges/license.svg"
    assert get(system.gateway_url, urlsplit(url).path)[0] == 200
    token = mint_token("private", audience="badges")
    status, headers, body = get(system.gateway_url, f"/private/r-base/badges?token={token}")
    assert status == 200 and headers["cache-control"] == "private, no-store"
    markdown = json.loads(body)["badges"]["version"]["markdown"]
    assert f"/private/r-base/badges/version.svg?token={token})" in markdown


def test_unavailable_gateway_gives_grey_503_badge(tmp_path: Path):
    dead_gateway = f"http://127.0.0.1:{free_port()}"
    port = free_port()
    ports = {"gateway": int(dead_gateway.rsplit(":", 1)[1]), "badges": port, "sbom": free_port()}
    env = system_env(tmp_path / "state", ports, None)
    process = start_gunicorn("services.badges.wsgi:app", port, env, tmp_path / "logs", "badges")
    try:
        status, headers, body = get(f"http://127.0.0.1:{port}", "/main/zlib/badges/version.svg")
        assert status == 503
        root = parse_svg(body)
        assert root.get("aria-label") == "conda: unavailable"
        assert b"#9f9f9f" in body  # lightgrey
        assert int(headers["cache-control"].split("max-age=")[1].split(",")[0]) <= 10
        assert get(f"http://127.0.0.1:{port}", "/readyz")[0] == 503
    finally:
        process.stop()


@pytest.fixture(scope="module")
def anaconda_org(tmp_path_factory):
    """Gateway + badges over an anaconda-org channel: the recorded pytest response on loopback."""
    work = tmp_path_factory.mktemp("anaconda-org")
    upstream = UpstreamServer(
        routes={"/package/anaconda/pytest": RECORDED / "anaconda-api/package/anaconda/pytest.json"}
    )
    config = work / "channels.toml"
    config.write_text(
        f'[channels.anaconda]\ndriver = "anaconda-org"\nurl = "{upstream.url}"\n'
        'packages = ["pytest"]\n'
    )
    upstream.mode = "error"  # down until the test says otherwise
    running = start_system(work, {"GATEWAY_CHANNELS_FILE": str(config)}, only=("gateway", "badges"))
    yield running, upstream
    running.stop()
    upstream.close()


def test_anaconda_org_downloads_and_outage(anaconda_org):
    system, upstream = anaconda_org
    path = "/anaconda/pytest/badges/downloads.json"
    status, headers, body = get(system.gateway_url, path)
    assert status == 503
    assert json.loads(body)["message"] == "unavailable"
    assert json.loads(body)["color"] == "lightgrey"
    assert int(headers["cache-control"].split("max-age=")[1].split(",")[0]) <= 10

    upstream.mode = "ok"
    recorded = json.loads((RECORDED / "anaconda-api/package/anaconda/pytest.json").read_text())
    total = sum(file["ndownloads"] for file in recorded["files"])
    deadline = time.monotonic() + 30  # the gateway may hold an error briefly (cache, breaker)
    status, _, body = get(system.gateway_url, path)
    while status == 503 and time.monotonic() < deadline:
        time.sleep(0.5)
        status, _, body = get(system.gateway_url, path)
    assert status == 200
    badge = json.loads(body)
    assert (badge["message"], badge["color"]) == (f"{total // 1000}k", "brightgreen")

    latest = max({file["version"] for file in recorded["files"]}, key=Version)
    subdirs = sorted({file["attrs"]["subdir"] for file in recorded["files"]}, key=platform_sort_key)
    for kind, wanted in (
        ("version", latest),
        ("license", recorded["license"]),
        ("platforms", " | ".join(subdirs)),
    ):
        status, _, body = get(system.gateway_url, f"/anaconda/pytest/badges/{kind}.json")
        assert status == 200 and json.loads(body)["message"] == wanted, kind

"""Watched environments on the real gateway app: stored by sha256 with a token, report and
badge in every style re-evaluated per request, honest coverage, nothing stored half-way."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time

import pytest

from common.badge_render import STYLES
from tests.conftest import DATA
from tests.conftest import gateway_client
from tests.conftest import mint
from tests.environments.lockdata import EXPLICIT
from tests.environments.lockdata import MIRROR
from tests.environments.lockdata import PIXI
from tests.environments.lockdata import ZLIB
from tests.environments.lockdata import channel_records
from tests.environments.lockdata import explicit

MICROMAMBA = next(p for p in EXPLICIT if p.name.startswith("micromamba"))


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return gateway_client(tmp_path_factory.mktemp("watched"))


def auth() -> dict:
    return {"Authorization": f"Bearer {mint('main')}"}


def title(svg: bytes) -> str:
    return re.search(r"<title>([^<]*)</title>", svg.decode()).group(1)


def test_storing_needs_a_token_and_the_id_is_the_sha256(api):
    body = MICROMAMBA.read_bytes()
    assert api.post("/api/environments", data=body).status_code == 401
    stored = api.post("/api/environments", data=body, headers=auth())
    assert stored.status_code == 201
    assert stored.json["id"] == hashlib.sha256(body).hexdigest()
    for url in stored.json["urls"].values():
        assert api.get(url).status_code == 200, url


def test_the_badge_shows_open_severities_and_what_is_not_tracked_in_every_style(api):
    stored = api.post("/api/environments", data=MICROMAMBA.read_bytes(), headers=auth()).json
    report = api.get(stored["urls"]["report"]).json
    counts: dict[str, int] = {}
    for row in report["packages"]:
        for cve in row["cves"]:
            if cve["status"] in ("active", "reported"):
                counts[cve["severity"]] = counts.get(cve["severity"], 0) + 1
    untracked = sum(1 for row in report["packages"] if not row["covered"])
    assert counts and untracked
    for style in STYLES:
        response = api.get(stored["urls"]["badge"] + f"?style={style}")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        text = title(response.data)
        for severity, count in counts.items():
            assert f"{count} {severity}" in text
        assert f"{untracked} not tracked" in text
        assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
    etag = api.get(stored["urls"]["badge"]).headers["ETag"]
    assert api.get(stored["urls"]["badge"], headers={"If-None-Match": etag}).status_code == 304
    assert api.get(stored["urls"]["badge"] + "?style=nope").status_code == 400


def test_an_untracked_only_environment_never_looks_clean(api, tmp_path):
    full = api.post("/api/environments/report", data=MICROMAMBA.read_bytes()).json
    untracked = {r["url"] for r in full["packages"] if not r["covered"]}
    lines = [x for x in MICROMAMBA.read_text().splitlines() if x.split("#")[0] in untracked]
    body = ("# platform: linux-64\n@EXPLICIT\n" + "\n".join(lines) + "\n").encode()
    stored = api.post("/api/environments", data=body, headers=auth()).json
    svg = api.get(stored["urls"]["badge"]).data
    assert title(svg) == f"CVEs: 0 open · {len(lines)} not tracked"
    assert "#4c1" not in svg.decode()  # not shields' brightgreen
    report = api.get(stored["urls"]["report"]).json
    assert report["summary"]["clean"] is False


def test_bad_input_stores_nothing(api):
    body = PIXI[0].read_bytes()[:5000]
    response = api.post("/api/environments", data=body, headers=auth())
    assert response.status_code == 400
    lock_id = hashlib.sha256(body).hexdigest()
    assert api.get(f"/api/environments/{lock_id}/report").status_code == 404
    assert api.get("/api/environments/not-an-id/report").status_code == 404


def test_a_curation_change_changes_the_badge_and_its_etag(tmp_path):
    vex = tmp_path / "main.openvex.json"
    shutil.copy(DATA / "vex" / "main.openvex.json", vex)
    channels = tmp_path / "channels.toml"
    channels.write_text(
        f'[channels.main]\ndriver = "conda"\nurl = "{(DATA / "channels" / "main").as_uri()}"\n'
        f'vex = "{vex}"\nmirrors = ["{MIRROR}"]\n'
    )
    api = gateway_client(
        tmp_path / "state", GATEWAY_CHANNELS_FILE=str(channels), VULNS_DB_CHECK_INTERVAL="0"
    )
    body = explicit(MIRROR, "linux-64", {ZLIB: channel_records("main", "linux-64")[ZLIB]})
    urls = api.post("/api/environments", data=body, headers=auth()).json["urls"]
    first, report = api.get(urls["badge"]), api.get(urls["report"]).json
    cleared = {s["vulnerability"]["name"] for s in json.loads(vex.read_text())["statements"]}
    statuses = {c["id"]: c["status"] for c in report["packages"][0]["cves"]}
    assert cleared and all(statuses[i] == "cleared" for i in cleared)
    document = json.loads(vex.read_text())
    document["statements"] = []
    vex.write_text(json.dumps(document))
    os.utime(vex, (time.time() + 5, time.time() + 5))
    second, report = api.get(urls["badge"]), api.get(urls["report"]).json
    statuses = {c["id"]: c["status"] for c in report["packages"][0]["cves"]}
    assert all(statuses[i] == "reported" for i in cleared)
    assert title(second.data) != title(first.data)
    assert second.headers["ETag"] != first.headers["ETag"]


def test_a_stored_environment_has_an_spdx3_sbom(api):
    body = MICROMAMBA.read_bytes()
    urls = api.post("/api/environments", data=body, headers=auth()).json["urls"]
    response = api.get(urls["spdx3"])
    assert response.headers["Content-Type"] == "application/spdx+json; version=3.0.1"
    sha256 = hashlib.sha256(body).hexdigest()
    assert json.loads(response.data)["@context"].startswith("https://spdx.org/rdf/3.0.1/")
    assert sha256 in response.data.decode()  # the lockfile's digest, on the environment

"""`conda-badges-env --gateway` against the real running system: the gateway resolves a lock
pinning a `main` file to the channel, so its curation applies (offline it cannot)."""

from __future__ import annotations

import io
import json

import pytest

from environments.cli import run
from tests.conftest import CHANNELS
from tests.conftest import EMBEDDED_VULNS_DB
from tests.environments.lockdata import MIRROR
from tests.environments.lockdata import ZLIB
from tests.environments.lockdata import archive_paths
from tests.environments.lockdata import channel_records
from tests.environments.lockdata import explicit
from tests.processes import http_get

pytestmark = pytest.mark.integration


def test_the_gateway_applies_the_channel_and_offline_does_not(system, tmp_path):
    lock = tmp_path / "explicit.txt"
    lock.write_bytes(
        explicit(MIRROR, "linux-64", {ZLIB: channel_records("main", "linux-64")[ZLIB]})
    )
    answers = {}
    for mode in (["--gateway", system.gateway_url], ["--vulns-db", str(EMBEDDED_VULNS_DB)]):
        out = io.StringIO()
        assert run(["report", str(lock), "--format", "json", *mode], EMBEDDED_VULNS_DB, out) == 0
        (row,) = json.loads(out.getvalue())["packages"]
        answers[mode[0]] = row
    online, offline = answers["--gateway"], answers["--vulns-db"]
    assert (online["channel"], online["origin"]) == ("main", "channel")
    assert (offline["channel"], offline["origin"]) == (None, "lock")
    status, _, body = http_get(system.gateway_url, "/api/channels/main/artifacts/conda/zlib/cves")
    assert status == 200
    page = {
        item["id"]: entry["status"]
        for item in json.loads(body)["items"]
        for entry in item["files"]
        if entry["filename"] == ZLIB and entry["subdir"] == "linux-64"
    }
    assert {c["id"]: c["status"] for c in online["cves"]} == page
    assert {c["id"] for c in offline["cves"]} == set(page)
    assert all(c["status"] in ("reported", "disputed") for c in offline["cves"])


def test_files_through_the_gateway_are_the_archives_paths_json(system, tmp_path):
    lock = tmp_path / "explicit.txt"
    lock.write_bytes(
        explicit(MIRROR, "linux-64", {ZLIB: channel_records("main", "linux-64")[ZLIB]})
    )
    out = io.StringIO()
    argv = ["sbom", str(lock), "--files", "--gateway", system.gateway_url]
    assert run(argv, EMBEDDED_VULNS_DB, out) == 0
    (component,) = json.loads(out.getvalue())["components"]
    archive = CHANNELS / "main" / "linux-64" / ZLIB.replace(".conda", ".tar.bz2")
    assert [c["name"] for c in component["components"]] == archive_paths(archive)

"""Watched environments across two real gateway replicas sharing Redis (separate state
dirs): a lock stored through one is served by the other, and after a database rebuild that
adds a matching advisory, both badges change, with no restart."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request

import pytest

from tests.conftest import VULN_RECORDS
from tests.conftest import mint
from tests.environments.lockdata import EXPLICIT
from tests.processes import free_port
from tests.processes import http_get
from tests.processes import start_gunicorn
from tests.processes import start_redis
from tests.processes import system_env
from tests.vulns.test_rebuild_system import sync

pytestmark = pytest.mark.integration
MICROMAMBA = next(p for p in EXPLICIT if p.name.startswith("micromamba"))
ADDED = "CVE-2023-45853"  # zlib through 1.3 (NVD): the micromamba lock pins zlib 1.2.13


def _post(base: str, body: bytes) -> dict:
    request = urllib.request.Request(
        f"{base}/api/environments",
        data=body,
        headers={"Authorization": f"Bearer {mint('main')}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.loads(response.read())


def _badge(base: str, path: str) -> tuple[str, str]:
    status, headers, body = http_get(base, path)
    assert status == 200
    title = body.decode().split("<title>", 1)[1].split("</title>", 1)[0]
    return title, headers["etag"]


def _nvd_severity(cve: str) -> str:
    record = json.loads((VULN_RECORDS / "nvd" / f"{cve}.json").read_text())
    metric = record["metrics"]["cvssMetricV31"][0]["cvssData"]
    return metric["baseSeverity"].lower()


def test_a_rebuild_changes_the_badge_of_every_replica(tmp_path):
    older = tmp_path / "older-records"
    shutil.copytree(VULN_RECORDS, older)
    (older / "nvd" / f"{ADDED}.json").unlink()
    db = tmp_path / "vulns.sqlite"
    sync(db, older)
    redis, redis_url = start_redis(tmp_path / "redis")
    replicas = []
    try:
        for name in ("a", "b"):
            port = free_port()
            settings = {
                "VULNS_DB": str(db),
                "VULNS_DB_CHECK_INTERVAL": "0.5",
                "GATEWAY_CACHE_URL": redis_url,
                "RATE_LIMIT": "off",
            }
            env = system_env(
                tmp_path / f"state-{name}",
                {"gateway": port, "badges": port, "sbom": port},
                settings,
            )
            process = start_gunicorn(
                "gateway.wsgi:app", port, env, tmp_path / "logs", name, workers=1
            )
            replicas.append((f"http://127.0.0.1:{port}", process))
        (a, _), (b, _) = replicas
        stored = _post(a, MICROMAMBA.read_bytes())
        badge = stored["urls"]["badge"]
        before = {_badge(base, badge) for base in (a, b)}
        assert len(before) == 1  # both replicas agree
        ((title_before, etag_before),) = before
        assert _nvd_severity(ADDED) not in title_before
        sync(db, VULN_RECORDS)  # the rebuild adds the advisory
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            after = {_badge(base, badge) for base in (a, b)}
            if all(title != title_before for title, _ in after):
                break
            time.sleep(0.5)
        assert len(after) == 1
        ((title_after, etag_after),) = after
        assert f"2 {_nvd_severity(ADDED)}" in title_after  # zlib and libzlib 1.2.13
        assert etag_after != etag_before
        status, _, body = http_get(b, stored["urls"]["report"])
        report = json.loads(body)
        assert {c["id"] for row in report["packages"] for c in row["cves"]} >= {ADDED}
    finally:
        for _, process in replicas:
            process.stop()
        redis.stop()

"""The per-request time limit of environment reports and SBOMs, against a real gunicorn
gateway: a tiny ENVIRONMENTS_TIME_LIMIT and a real lockfile give 503 `environment_timeout`
with Retry-After (never a 500, never half a document); the default limit answers."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import mint
from tests.environments.lockdata import EXPLICIT
from tests.processes import free_port
from tests.processes import start_gunicorn
from tests.processes import system_env

pytestmark = pytest.mark.integration
MICROMAMBA = next(p for p in EXPLICIT if p.name.startswith("micromamba"))


def _post(base: str, path: str, body: bytes, headers: dict | None = None):
    request = urllib.request.Request(f"{base}{path}", data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _gateway(tmp_path, name: str, limit: str | None):
    port = free_port()
    settings = {"RATE_LIMIT": "off"}
    if limit is not None:
        settings["ENVIRONMENTS_TIME_LIMIT"] = limit
    env = system_env(
        tmp_path / f"state-{name}", {"gateway": port, "badges": port, "sbom": port}, settings
    )
    process = start_gunicorn("gateway.wsgi:app", port, env, tmp_path / "logs", name, workers=1)
    return f"http://127.0.0.1:{port}", process


def test_a_tiny_time_limit_is_a_clear_503_and_the_default_answers(tmp_path):
    body = MICROMAMBA.read_bytes()
    paths = [
        "/api/environments/report",
        "/api/environments/sbom",
        "/api/environments/sbom?format=spdx&files=true",
    ]
    tiny, tiny_process = _gateway(tmp_path, "tiny", "0.000001")
    try:
        for path in paths:
            status, headers, answer = _post(tiny, path, body)
            assert status == 503, path
            assert json.loads(answer)["error"]["code"] == "environment_timeout"
            assert int(headers["Retry-After"]) > 0
        form = urllib.parse.urlencode({"lockfile_text": body.decode()}).encode()
        status, headers, page = _post(tiny, "/ui/environments", form)  # the page says it too
        assert status == 503 and int(headers["Retry-After"]) > 0
        assert "took longer than the limit" in page.decode()
        stored = json.loads(
            _post(tiny, "/api/environments", body, {"Authorization": f"Bearer {mint('main')}"})[2]
        )
        request = urllib.request.Request(f"{tiny}{stored['urls']['report']}")  # watched
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=60)
        assert raised.value.code == 503
        assert json.loads(raised.value.read())["error"]["code"] == "environment_timeout"
    finally:
        tiny_process.stop()
    default, default_process = _gateway(tmp_path, "default", None)
    try:
        for path in paths:
            status, _, answer = _post(default, path, body)
            assert status == 200, path
            assert json.loads(answer)
    finally:
        default_process.stop()

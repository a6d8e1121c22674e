"""The Dockerfile lints clean, and its entrypoint and healthcheck work (run here, no Docker)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from common.settings import settings_table
from tests.deploy.manifests import DOCKERFILE
from tests.deploy.manifests import dockerfile_env
from tests.processes import REPO
from tests.processes import TEST_INTERNAL_KEY
from tests.processes import TEST_SECRET
from tests.processes import Process
from tests.processes import free_port
from tests.processes import wait_http

BIN = Path(sys.executable).parent


def instruction(name: str) -> list[str]:
    """The JSON (exec form) arguments of the last `name` instruction of the Dockerfile."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line for line in text.splitlines() if line.startswith(name + " ")]
    return json.loads(lines[-1][len(name) :].split(" CMD ", 1)[-1])


def test_hadolint_finds_nothing():
    result = subprocess.run(
        [str(BIN / "hadolint"), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_final_stage_is_slim_non_root_and_has_a_healthcheck():
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM (\S+) AS (\w+)", text, re.MULTILINE)
    assert [name for _, name in stages] == ["build", "run"]
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.MULTILINE)
    final = text.split("AS run", 1)[1]
    assert re.search(r"^USER 10001", final, re.MULTILINE)
    assert "HEALTHCHECK" in final and "apt-get" not in final and "pip install" not in final
    assert dockerfile_env()["PORT"] == "8080"


def test_the_image_sets_only_settings_and_its_own_variables():
    image_env = dockerfile_env()
    settings = {env for env, _, _ in settings_table()}
    own = {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PORT"}
    assert set(image_env) - own <= settings
    assert image_env["STATE_DIR"] == "/var/lib/conda-badges"  # where Kubernetes mounts one
    assert image_env["GATEWAY_CHANNELS_FILE"] == "/app/data/channels.toml"
    assert "install -d -o app -g app -m 0700 /var/lib/conda-badges" in DOCKERFILE.read_text()


def test_dockerignore_keeps_only_what_the_image_copies():
    lines = (REPO / ".dockerignore").read_text().splitlines()
    kept = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = set(re.findall(r"^COPY (?!--from)(\S+) ", DOCKERFILE.read_text(), re.MULTILINE))
    assert "*" in lines and kept == {c.rstrip("/") for c in copied}
    assert all((REPO / path).exists() for path in kept)


def _entrypoint(process: str, port: int, tmp_path: Path) -> Process:
    """Run the image's ENTRYPOINT + `process` here: the repo stands in for /app."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "PORT": str(port),
        "STATE_DIR": str(tmp_path / "state"),
        "GATEWAY_CHANNELS_FILE": str(REPO / "data" / "channels.toml"),
        "GATEWAY_URL": "http://127.0.0.1:9",  # nothing there: badges and sbom are not ready
        "TOKEN_HS256_SECRET": TEST_SECRET,
        "INTERNAL_API_KEY": TEST_INTERNAL_KEY,
        "GUNICORN_WORKERS": "1",
    }
    log = tmp_path / f"{process}.log"
    popen = subprocess.Popen(
        [*instruction("ENTRYPOINT"), process],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "ab"),  # noqa: SIM115 - lives as long as the process
        start_new_session=True,
    )
    return Process(process, popen, log)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.integration
@pytest.mark.parametrize(
    ("process", "api", "ready"),
    [("gateway", 200, 200), ("badges", 404, 503), ("sbom", 404, 503)],
)
def test_the_entrypoint_runs_each_process_and_the_healthcheck_sees_it(
    tmp_path, process, api, ready
):
    port = free_port()
    healthcheck = instruction("HEALTHCHECK")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PORT": str(port)}
    assert subprocess.run(healthcheck, env=env, capture_output=True).returncode != 0
    running = _entrypoint(process, port, tmp_path)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", process=running.popen)
        assert subprocess.run(healthcheck, env=env, capture_output=True).returncode == 0
        # only the gateway has the metadata API; it is ready on its own, while the services
        # need a gateway, and there is none here
        assert _status(f"http://127.0.0.1:{port}/api/channels") == api
        assert _status(f"http://127.0.0.1:{port}/readyz") == ready
        assert f"0.0.0.0:{port}" in running.log()
    finally:
        running.stop()


RUN_EXAMPLE = re.compile(r"(?:docker|podman) run\b[^\n`]*")


def test_no_documented_example_publishes_a_port_of_the_image():
    """gunicorn never faces clients: no `docker/podman run` example publishes a port."""
    documents = [DOCKERFILE, REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    examples = [m.group() for path in documents for m in RUN_EXAMPLE.finditer(path.read_text())]
    assert examples  # the docs show how to run it
    published = [e for e in examples if re.search(r"\s(?:-p|--publish)[\s=]|\s-P\b", e)]
    assert published == []

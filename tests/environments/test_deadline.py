"""The environments time limit (unit): no limit, a limit not reached, a limit passed."""

from __future__ import annotations

import pytest

from common.settings import Settings
from environments import build_report
from environments import deadline
from environments import read_lock
from environments import render
from environments.files import with_files
from tests.conftest import EMBEDDED_VULNS_DB
from tests.conftest import REPO
from tests.environments.lockdata import EXPLICIT
from vulns import VulnService


def test_check_raises_only_past_the_limit():
    deadline.begin(0)  # 0: no limit
    deadline.check()
    deadline.begin(3600)
    deadline.check()
    deadline.begin(1e-9)
    with pytest.raises(deadline.EnvironmentTimeout) as raised:
        deadline.check()
    error = raised.value
    assert (error.status, error.code) == (503, "environment_timeout")
    assert int(error.headers["Retry-After"]) > 0
    deadline.end()
    deadline.check()


def test_the_report_its_files_and_its_document_each_check_the_limit():

    lock = read_lock(EXPLICIT[0].read_bytes())
    service = VulnService(EMBEDDED_VULNS_DB)
    report = build_report(lock, None, None, service, {}, lambda _: False)
    for step in (
        lambda: build_report(lock, None, None, service, {}, lambda _: False),
        lambda: with_files(report, None, 0),
        lambda: render(report, "cyclonedx", "1.6"),
        lambda: render(report, "spdx", "1.6"),
    ):
        deadline.begin(1e-9)
        with pytest.raises(deadline.EnvironmentTimeout):
            step()
        deadline.end()
        step()  # without the limit it answers


def test_the_default_limit_answers_before_gunicorn_and_the_edge_give_up():
    settings = Settings.from_env({}, with_channels=False)
    edge = (REPO / "deploy/k8s/base/edge/edge-server.conf").read_text()
    read_timeout = int(edge.split("proxy_read_timeout", 1)[1].split("s;", 1)[0])
    assert 0 < settings.environments_time_limit < settings.gunicorn_timeout
    assert settings.environments_time_limit < read_timeout

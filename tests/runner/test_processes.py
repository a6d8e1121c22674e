"""The process runner (runner/) that tests, benches and `make cluster` use: a gunicorn whose
port another server holds is caught, never mistaken for a started app (that server would answer
its /healthz)."""

from __future__ import annotations

import random
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest

from runner import ports as port_pool
from runner import system as local_system
from runner.ports import PortTaken
from runner.ports import free_ports
from runner.processes import http_get
from runner.processes import start_gunicorn


class Healthy(BaseHTTPRequestHandler):
    """Answers 200 to anything, as another app's /healthz would."""

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        """Quiet."""


def test_free_ports_are_all_different():
    for _ in range(50):
        ports = free_ports(8)
        assert len(set(ports)) == 8


def test_free_ports_are_never_ones_an_outgoing_connection_could_take():
    ephemeral = port_pool.ephemeral_ports()
    ports = [port for _ in range(50) for port in free_ports(8)]
    assert not [port for port in ports if port in ephemeral]
    assert min(ports) >= port_pool.LOWEST_PORT


def test_free_ports_differ_in_workers_whose_random_module_is_seeded_alike():
    """pytest-randomly gives every xdist worker the same seed: the ports must not follow it."""
    random.seed(1)
    first = free_ports(8)
    random.seed(1)
    assert free_ports(8) != first


def test_free_ports_skip_a_port_in_use(monkeypatch):
    other = ThreadingHTTPServer(("127.0.0.1", port_pool.free_port()), Healthy)
    held, spare = other.server_address[1], port_pool.free_port()
    draws = iter([held, spare])
    monkeypatch.setattr(port_pool._random, "choice", lambda pool: next(draws))
    try:
        assert free_ports(1) == [spare]
    finally:
        other.server_close()


@pytest.mark.integration
def test_a_port_held_by_another_server_is_port_taken_not_a_started_app(tmp_path):
    other = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        port = other.server_address[1]
        with pytest.raises(PortTaken, match=str(port)):
            started = start_gunicorn(
                "services.badges.wsgi:app", port, {"STATE_DIR": str(tmp_path)}, tmp_path, "b"
            )
            started.stop()  # reached only when the check is missing: leave nothing running
    finally:
        other.shutdown()


@pytest.mark.integration
def test_start_system_tries_new_ports_when_one_is_taken(tmp_path, monkeypatch):
    other = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    held = other.server_address[1]
    real = port_pool.free_ports
    calls: list[list[int]] = []

    def first_with_badges_on_a_held_port(count: int) -> list[int]:
        ports = real(count)
        if not calls:
            ports[1] = held  # gateway, badges, sbom, then one metrics port per app
        calls.append(ports)
        return ports

    monkeypatch.setattr(local_system, "free_ports", first_with_badges_on_a_held_port)
    try:
        system = local_system.start_system(tmp_path, only=("badges",))
        try:
            assert len(calls) == 2 and calls[0][1] == held
            assert system.badges_url == f"http://127.0.0.1:{calls[1][1]}"
            assert http_get(system.badges_url, "/healthz")[0] == 200
        finally:
            system.stop()
    finally:
        other.shutdown()

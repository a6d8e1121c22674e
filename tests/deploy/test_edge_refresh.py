"""The edge (the real nginx of `python -m deploy.edge`) in front of a loopback server whose
answer changes on every request: a refreshed answer replaces the old one for every later hit,
though the edge keeps cache files open between hits (`open_file_cache`), and its workers may
hold that many files."""

from __future__ import annotations

import resource
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from deploy.cluster import REPO
from tests.processes import free_port
from tests.processes import http_get
from tests.processes import wait_http

pytestmark = pytest.mark.integration


class CountingUpstream(BaseHTTPRequestHandler):
    """Answers `answer <n>` for the n-th request, fresh for one second."""

    count = 0
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        with CountingUpstream.lock:
            CountingUpstream.count += 1
            body = f"answer {CountingUpstream.count}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=1")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        """Quiet."""


@pytest.fixture
def edge(tmp_path):
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), CountingUpstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    listen = f"127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "deploy.edge", "--listen", listen, "--dir", str(tmp_path)]
    command += ["--gateway", f"127.0.0.1:{upstream.server_address[1]}"]
    nginx = subprocess.Popen(command, cwd=REPO, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://{listen}/edge-healthz", process=nginx)
        yield SimpleNamespace(url=f"http://{listen}", pid=nginx.pid)  # nginx's master (exec)
    finally:
        nginx.terminate()
        nginx.wait(10)
        upstream.shutdown()


def test_a_refreshed_answer_replaces_the_old_one_for_every_later_hit(edge):
    edge = edge.url
    assert http_get(edge, "/counted")[2] == b"answer 1"
    status, head, body = http_get(edge, "/counted")
    assert (status, head["x-edge-cache"], body) == (200, "HIT", b"answer 1")
    time.sleep(2.2)  # past max-age=1 (nginx counts whole seconds)
    deadline = time.monotonic() + 5
    while http_get(edge, "/counted")[2] == b"answer 1":  # stale while one refresh runs
        assert time.monotonic() < deadline, "the edge never served the refreshed answer"
        time.sleep(0.05)
    later = [http_get(edge, "/counted") for _ in range(20)]
    assert {(status, head["x-edge-cache"], body) for status, head, body in later} == {
        (200, "HIT", b"answer 2")
    }


def test_the_edge_workers_may_hold_16384_files(edge):
    children = Path(f"/proc/{edge.pid}/task/{edge.pid}/children").read_text().split()
    worker = next(
        pid for pid in children if b"worker process" in Path(f"/proc/{pid}/cmdline").read_bytes()
    )
    limits = Path(f"/proc/{worker}/limits").read_text().splitlines()
    line = next(line for line in limits if line.startswith("Max open files"))
    soft, hard = (int(n) for n in line.split()[3:5])
    ours_soft, ours_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if ours_hard >= 16384:  # nginx may raise it: worker_rlimit_nofile sets both limits
        assert (soft, hard) == (16384, 16384)
    else:  # it may not (a non-root user under a low hard limit): it runs on what it has
        assert (soft, hard) == (ours_soft, ours_hard)

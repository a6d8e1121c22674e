"""Real processes for integration tests: gunicorn apps, redis-server, upstream HTTP servers."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
TEST_SECRET = "test-only-hs256-secret-" + "x" * 24
TEST_ISSUER = "conda-badges-test"
TEST_INTERNAL_KEY = "test-only-internal-key"


def http_get(base: str, path: str, headers: dict[str, str] | None = None):
    """(status, lower-cased headers, body) for one GET; no redirects, no raising on 4xx/5xx."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    return free_ports(1)[0]


# Ports we hand out come from below the kernel's ephemeral range: every outgoing connection
# takes its local port from that range, so a port chosen there can be taken (by any client on
# the host) between our choosing it and our process binding it.
LOWEST_PORT = 10_000
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
_random = random.SystemRandom()  # not `random`: pytest-randomly seeds it alike in every worker


def ephemeral_ports() -> range:
    """The kernel's range for the local ports of outgoing connections (Linux's default when
    the kernel does not say)."""
    try:
        low, high = (int(n) for n in _EPHEMERAL.read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports on 127.0.0.1 that nothing listens on right now, outside the
    ephemeral range when there is room below it (bound all at once, so no two are the same, as
    two separate `free_port()` calls may be)."""
    ephemeral = ephemeral_ports()
    pool = range(LOWEST_PORT, ephemeral.start) if ephemeral.start - LOWEST_PORT >= 1000 else None
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        for _ in range(100 * count):
            if len(ports) == count:
                break
            sock = stack.enter_context(socket.socket())
            try:
                sock.bind(("127.0.0.1", _random.choice(pool) if pool else 0))
            except OSError:  # in use: draw again
                continue
            ports.append(sock.getsockname()[1])
        if len(ports) < count:
            raise RuntimeError(f"no {count} free ports in {pool}")
        return ports


class PortTaken(RuntimeError):
    """A process could not listen on its port: another process took it first."""


def wait_http(url: str, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    """Wait until `url` answers (any HTTP status), or fail."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError as error:
            last = error
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


@dataclass
class Process:
    """A started process with its log file."""

    name: str
    popen: subprocess.Popen
    log_path: Path

    def stop(self, sig: int = signal.SIGQUIT, timeout: float = 15.0) -> None:
        """Stop the process (and its workers), waiting for it to exit.

        SIGQUIT is gunicorn's quick shutdown (and ends redis-server too); tests that check a
        graceful stop pass SIGTERM.
        """
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)

    def log(self) -> str:
        """What the process has written so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_gunicorn(
    app: str, port: int, env: dict[str, str], log_dir: Path, name: str, workers: int = 2
) -> Process:
    """Start `app` (module:variable) under gunicorn on 127.0.0.1:port and wait for /healthz."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    access_path = log_dir / f"{name}.access.log"
    full_env = {**os.environ, **env, "GUNICORN_WORKERS": str(workers), "PYTHONPATH": str(REPO)}
    log_start = len(log_path.read_text(errors="replace")) if log_path.exists() else 0
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(GUNICORN_CONF),
        "-b",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(access_path),
        "--error-logfile",
        str(log_path),
        "--capture-output",
        app,
    ]
    popen = subprocess.Popen(
        command,
        cwd=REPO,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=open(log_dir / f"{name}.stderr", "ab"),  # noqa: SIM115 - lives as long as the process
        start_new_session=True,
    )
    process = Process(name, popen, log_path)
    try:
        # another server on the port would answer /healthz in gunicorn's place
        _wait_listening(process, port, log_start)
        wait_http(f"http://127.0.0.1:{port}/healthz", process=popen)
    except PortTaken:
        process.stop()
        raise
    except Exception:
        process.stop()
        raise RuntimeError(f"{name} did not start:\n{process.log()[-3000:]}") from None
    return process


def _wait_listening(process: Process, port: int, log_start: int, timeout: float = 30.0) -> None:
    """Wait until gunicorn logs that it listens on `port`; PortTaken if the port is in use."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = process.log()[log_start:]
        if f"Listening at: http://127.0.0.1:{port} " in text:
            return
        if f"Connection in use: ('127.0.0.1', {port})" in text:
            raise PortTaken(f"{process.name}: port {port} is in use")
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited with {process.popen.returncode}")
        time.sleep(0.05)
    raise TimeoutError(f"{process.name} did not listen on {port} within {timeout}s")


def start_redis(work_dir: Path, port: int | None = None) -> tuple[Process, str]:
    """Start a throwaway redis-server (on a free port unless given); return it and its URL."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = port or free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / "redis.log"
    popen = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(work_dir),
            "--logfile",
            str(log_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        time.sleep(0.05)
    return Process("redis", popen, log_path), f"redis://127.0.0.1:{port}/0"


class UpstreamServer:
    """A real HTTP server on loopback serving recorded upstream files, with faults on demand.

    `routes` maps URL paths to files on disk. `mode` is one of: ok, down (connection reset),
    error (HTTP 500), garbage (200 with a body that is not JSON), slow (sleep then answer).
    """

    def __init__(self, routes: dict[str, Path] | None = None, root: Path | None = None):
        self.routes = dict(routes or {})
        self.root = root
        self.mode = "ok"
        self.slow_seconds = 5.0
        self.hits: Counter[str] = Counter()
        self.headers_seen: list[dict[str, str]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.hits[path] += 1
                    server.headers_seen.append(dict(self.headers))
                mode = server.mode
                if mode == "down":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if mode == "slow":
                    time.sleep(server.slow_seconds)
                if mode == "error":
                    return self._send(500, b'{"error": "upstream broke"}')
                if mode == "garbage":
                    return self._send(200, b"<html>this is not json {")
                file = server.routes.get(path)
                if file is None and server.root is not None:
                    candidate = (server.root / path.lstrip("/")).resolve()
                    if server.root.resolve() in candidate.parents and candidate.is_file():
                        file = candidate
                if file is None or not file.is_file():
                    return self._send(404, b'{"error": "not found"}')
                return self._send(200, file.read_bytes())

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class QuietServer(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # faults we inject, not news
                pass

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def count(self, suffix: str = "") -> int:
        """Requests seen for paths ending with `suffix` (all requests for '')."""
        with self._lock:
            return sum(n for path, n in self.hits.items() if path.endswith(suffix))

    def close(self) -> None:
        """Stop serving (kept-alive connections are cut too)."""
        self.mode = "down"
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class System:
    """The processes of a running system: the public gateway, the metadata gateway the
    services read from, badges and sbom."""

    gateway_url: str
    metadata_url: str
    badges_url: str
    sbom_url: str
    env: dict[str, str]
    state_dir: Path
    log_dir: Path
    processes: dict[str, Process] = field(default_factory=dict)
    # each process's internal Prometheus listener (METRICS_BIND), by app name
    metrics_urls: dict[str, str] = field(default_factory=dict)

    @property
    def access_log_paths(self) -> list[Path]:
        """The gunicorn access logs of all three processes."""
        return sorted(self.log_dir.glob("*.access.log"))

    @property
    def app_log_paths(self) -> list[Path]:
        """The gunicorn error/app logs (and captured output) of all three processes."""
        return sorted(self.log_dir.glob("*.log")) + sorted(self.log_dir.glob("*.stderr"))

    def stop(self) -> None:
        """Stop every process (at once: each takes a second or two to drain)."""
        running = list(self.processes.values())
        if running:
            with ThreadPoolExecutor(len(running)) as pool:
                list(pool.map(Process.stop, running))


def system_env(state_dir: Path, ports: dict[str, int], extra: dict[str, str] | None) -> dict:
    """The environment a test system runs with (known test secrets, loopback URLs)."""
    metadata = ports.get("metadata", ports["gateway"])
    env = {
        "STATE_DIR": str(state_dir),
        "TOKEN_HS256_SECRET": TEST_SECRET,
        "TOKEN_ISSUER": TEST_ISSUER,
        "INTERNAL_API_KEY": TEST_INTERNAL_KEY,
        # the services read metadata from an instance of the gateway of their own
        "GATEWAY_URL": f"http://127.0.0.1:{metadata}",
        "BADGES_URL": f"http://127.0.0.1:{ports['badges']}",
        "SBOM_URL": f"http://127.0.0.1:{ports['sbom']}",
        "LOG_LEVEL": "INFO",
    }
    env.update(extra or {})
    return env


ALL_APPS = ("gateway", "metadata", "badges", "sbom")


def start_system(
    work_dir: Path, extra_env: dict[str, str] | None = None, only: tuple[str, ...] = ALL_APPS
) -> System:
    """Start gateway, metadata, badges and sbom (or `only` some) under gunicorn on free ports
    (new ones, up to three times, when another process takes one first)."""
    for attempt in range(3):
        try:
            return _start_system_once(work_dir, extra_env, only)
        except PortTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _start_system_once(
    work_dir: Path, extra_env: dict[str, str] | None, only: tuple[str, ...]
) -> System:
    names = ["gateway", "badges", "sbom", *(["metadata"] if "metadata" in only else [])]
    chosen = free_ports(len(names) + len(only))
    ports = dict(zip(names, chosen, strict=False))
    metrics_ports = dict(zip(only, chosen[len(names) :], strict=True))
    state_dir = work_dir / "state"
    log_dir = work_dir / "logs"
    env = system_env(state_dir, ports, extra_env)
    system = System(
        gateway_url=f"http://127.0.0.1:{ports['gateway']}",
        metadata_url=env["GATEWAY_URL"],
        badges_url=env["BADGES_URL"],
        sbom_url=env["SBOM_URL"],
        env=env,
        state_dir=state_dir,
        log_dir=log_dir,
    )
    apps = {
        "gateway": "gateway.wsgi:app",
        "metadata": "gateway.wsgi:app",
        "badges": "services.badges.wsgi:app",
        "sbom": "services.sbom.wsgi:app",
    }
    try:
        for name in only:
            app = apps[name]
            metrics = f"127.0.0.1:{metrics_ports[name]}"
            app_env = {"METRICS_BIND": metrics, **env}
            system.metrics_urls[name] = f"http://{metrics}"
            system.processes[name] = start_gunicorn(app, ports[name], app_env, log_dir, name)
    except Exception:
        system.stop()
        raise
    return system

"""Real processes: gunicorn apps and redis-server, started on loopback and stopped with their
workers; and a plain HTTP GET to talk to them."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from runner.ports import PortTaken
from runner.ports import free_port

REPO = Path(__file__).resolve().parent.parent
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"


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


def start_redis(
    work_dir: Path, port: int | None = None, unix_socket: Path | None = None
) -> tuple[Process, str]:
    """Start a throwaway redis-server, on a free port unless given, or on `unix_socket` alone
    (no TCP); return it and its URL (`redis://127.0.0.1:PORT/0` or `unix://PATH?db=0`)."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = 0 if unix_socket else port or free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / "redis.log"
    listen = ["--unixsocket", str(unix_socket), "--unixsocketperm", "700"] if unix_socket else []
    popen = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            *listen,
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
    if unix_socket:
        _wait_connectable(socket.AF_UNIX, str(unix_socket))
        return Process("redis", popen, log_path), f"unix://{unix_socket}?db=0"
    _wait_connectable(socket.AF_INET, ("127.0.0.1", port))
    return Process("redis", popen, log_path), f"redis://127.0.0.1:{port}/0"


def _wait_connectable(family: int, address, timeout: float = 10.0) -> None:
    """Wait (at most `timeout` s) until something accepts connections at `address`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.socket(family) as sock:
            sock.settimeout(0.2)
            sock.connect(address)
            return
        time.sleep(0.05)

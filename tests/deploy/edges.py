"""The real edge of `make run` (`python -m deploy.edge`, nginx) in front of a test system."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from deploy.cluster import REPO
from tests.processes import Process
from tests.processes import free_port
from tests.processes import wait_http


@dataclass
class Edge:
    """A running edge: its public URL, its state folder (cache/, access.log) and process."""

    url: str
    directory: Path
    process: Process

    @property
    def cache_dir(self) -> Path:
        """Where nginx stores the cached answers."""
        return self.directory / "cache"

    def access_log(self) -> list[dict]:
        """The edge's access-log lines (JSON), as written so far."""
        path = self.directory / "access.log"
        text = path.read_text() if path.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def cached_files(self) -> list[Path]:
        """Every answer file in the edge's cache."""
        return [p for p in self.cache_dir.rglob("*") if p.is_file()]

    def stop(self) -> None:
        """Stop nginx."""
        self.process.stop(timeout=10)


def start_edge(directory: Path, gateway_url: str, port: int | None = None) -> Edge:
    """Start `python -m deploy.edge` (nginx in the foreground) before `gateway_url`."""
    shutil.rmtree(directory, ignore_errors=True)
    listen = f"127.0.0.1:{port or free_port()}"
    gateway = gateway_url.removeprefix("http://")
    command = [sys.executable, "-m", "deploy.edge", "--listen", listen, "--gateway", gateway]
    command += ["--dir", str(directory)]
    directory.mkdir(parents=True)
    log = directory / "edge.stderr"
    popen = subprocess.Popen(  # noqa: S603 - our own command line
        command,
        cwd=REPO,
        stderr=log.open("ab"),  # noqa: SIM115 - lives as long as the process
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # Process.stop signals the group: master and workers
    )
    process = Process("edge", popen, log)
    try:
        wait_http(f"http://{listen}/edge-healthz", process=popen)
    except BaseException:
        process.stop()
        raise
    return Edge(f"http://{listen}", directory, process)

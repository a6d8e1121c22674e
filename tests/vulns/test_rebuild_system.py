"""Rebuilding the database while real gunicorn workers serve load: no request fails, and
afterwards every worker serves the new version, without a restart."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import VULN_RECORDS
from tests.processes import free_port
from tests.processes import start_gunicorn
from tests.processes import system_env
from vulns.database import Snapshot

pytestmark = pytest.mark.integration
CLI = Path(sys.executable).with_name("conda-badges-vulns")
WORKERS = 3
PATH = "/api/channels/main/artifacts/conda/zlib/cves"


def sync(out: Path, records: Path) -> None:
    result = subprocess.run(
        [str(CLI), "sync", "--records", str(records), "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def worker_pids(master: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            found.add(int(stat.parent.name))
    return found


def ask(port: int) -> tuple[int, str | None, int | None]:
    """(status, database version, CVE count) of one request on a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", PATH, headers={"Connection": "close"})
        response = connection.getresponse()
        body = response.read()
    except OSError as error:
        return -1, repr(error), None
    finally:
        connection.close()
    if response.status != 200:
        return response.status, None, None
    data = json.loads(body)
    return 200, data["database"]["version"], data["total"]


def test_rebuild_under_load_fails_no_request_and_every_worker_moves_on(tmp_path):
    older = tmp_path / "older-records"
    shutil.copytree(VULN_RECORDS, older)
    (older / "nvd" / "CVE-2023-45853.json").unlink()  # the old database lacks one zlib CVE
    db = tmp_path / "vulns.sqlite"
    sync(db, older)
    old = Snapshot(db).version
    port = free_port()
    ports = {"gateway": port, "badges": free_port(), "sbom": free_port()}
    settings = {"VULNS_DB": str(db), "VULNS_DB_CHECK_INTERVAL": "0.5", "RATE_LIMIT": "off"}
    env = system_env(tmp_path / "state", ports, settings)
    logs = tmp_path / "logs"
    gateway = start_gunicorn("gateway.wsgi:app", port, env, logs, "gateway", workers=WORKERS)
    try:
        pids = worker_pids(gateway.popen.pid)
        assert len(pids) == WORKERS
        answers: list[tuple[float, tuple]] = []
        stop = threading.Event()

        def load():
            while not stop.is_set():
                answers.append((time.monotonic(), ask(port)))

        threads = [threading.Thread(target=load) for _ in range(6)]
        for thread in threads:
            thread.start()
        time.sleep(2.0)
        sync(db, VULN_RECORDS)  # the rebuild, while the load runs
        swapped = time.monotonic()
        new = Snapshot(db).version
        time.sleep(4.0)
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        gateway.stop()
    assert new != old
    statuses = Counter(answer[0] for _, answer in answers)
    assert statuses == Counter({200: len(answers)}), statuses  # no failed request
    assert {(v, n) for _, (_, v, n) in answers} <= {(old, 2), (new, 3)}  # never half of each
    settled = [v for at, (_, v, _) in answers if at > swapped + 1.5]
    assert len(settled) > 100 and set(settled) == {new}
    log = "\n".join(p.read_text() for p in logs.glob("gateway*") if p.is_file())
    opened = {
        line["pid"]
        for line in map(json.loads, (x for x in log.splitlines() if x.startswith("{")))
        if line.get("vulns_db") == new
    }
    assert opened == pids  # every worker opened the new database itself

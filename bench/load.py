"""A small closed-loop HTTP load generator: threads with keep-alive connections, bounded."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    """What one load run measured."""

    name: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def requests_per_second(self) -> float:
        """Successful requests per second of wall time."""
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))
        return ordered[index] * 1000

    def row(self) -> str:
        """One table row: name, requests, errors, req/s, p50, p99."""
        return (
            f"| {self.name} | {len(self.latencies)} | {self.errors} | "
            f"{self.requests_per_second:,.0f} | {self.percentile(50):.2f} | "
            f"{self.percentile(99):.2f} |"
        )

    def mean_ms(self) -> float:
        """Mean latency in milliseconds."""
        return statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")


HEADER = "| benchmark | requests | errors | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|"


def run_load(
    name: str,
    base_url: str,
    paths: list[str],
    *,
    connections: int = 8,
    total: int = 5000,
    max_seconds: float = 20.0,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Send `total` GETs (cycling over `paths`) on `connections` keep-alive connections."""
    parts = urlsplit(base_url)
    result = LoadResult(name)
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        local: list[float] = []
        errors = 0
        statuses: dict[int, int] = {}
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            path = paths[index % len(paths)]
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers or {})
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status < 400:
                local.append(time.perf_counter() - started)
            else:
                errors += 1
        connection.close()
        with lock:
            result.latencies.extend(local)
            result.errors += errors
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    return result


@dataclass
class WrkResult:
    """What one wrk run measured (wrk is C: the load generator barely competes for the CPU)."""

    name: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float

    @property
    def requests_per_second(self) -> float:
        """Requests per second, as wrk counts them."""
        return self.rps

    def percentile(self, p: float) -> float:
        """p50 or p99 in milliseconds."""
        return {50: self.p50_ms, 99: self.p99_ms}[int(p)]

    def row(self) -> str:
        """One table row: name, requests, errors, req/s, p50, p99."""
        return (
            f"| {self.name} | {self.requests} | {self.errors} | {self.rps:,.0f} | "
            f"{self.p50_ms:.2f} | {self.p99_ms:.2f} |"
        )


def _wrk_ms(text: str) -> float:
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for unit in ("us", "ms", "s"):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * units[unit]
    return float(text)


def run_wrk(name: str, url: str, connections: int, seconds: int = 8) -> WrkResult:
    """Load `url` with wrk (2 threads, keep-alive, `connections`) and parse its --latency."""
    import re
    import subprocess

    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    subprocess.run([*command[:3], "-d2s", url], capture_output=True, check=False)  # warm-up
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    total = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    return WrkResult(
        name=name,
        requests=int(total.group(1)) if total else 0,
        errors=errors,
        rps=float(rps.group(1)) if rps else 0.0,
        p50_ms=_wrk_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_wrk_ms(p99.group(1)) if p99 else float("nan"),
    )

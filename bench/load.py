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

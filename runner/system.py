"""A whole local system (gateway, metadata gateway, badges, sbom) under gunicorn on free
loopback ports, with throwaway secrets; and tokens that system accepts."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import jwt

from runner.ports import PortTaken
from runner.ports import free_ports
from runner.processes import Process
from runner.processes import start_gunicorn

# throwaway secrets of a local system (tests, benches); never a deployment's
LOCAL_SECRET = "test-only-hs256-secret-" + "x" * 24  # noqa: S105
LOCAL_ISSUER = "conda-badges-test"
LOCAL_INTERNAL_KEY = "test-only-internal-key"


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
    """The environment a local system runs with (throwaway secrets, loopback URLs)."""
    metadata = ports.get("metadata", ports["gateway"])
    env = {
        "STATE_DIR": str(state_dir),
        "TOKEN_HS256_SECRET": LOCAL_SECRET,
        "TOKEN_ISSUER": LOCAL_ISSUER,
        "INTERNAL_API_KEY": LOCAL_INTERNAL_KEY,
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


def mint(
    channels: list[str] | str = "private",
    *,
    audience: str | list[str] = "api",
    ttl: int = 600,
    secret: str = LOCAL_SECRET,
    issuer: str = LOCAL_ISSUER,
    **claims: object,
) -> str:
    """An HS256 token a local system accepts (claims may override any default)."""
    now = int(time.time())
    scope = [channels] if isinstance(channels, str) else channels
    payload: dict[str, object] = {
        "iss": issuer,
        "aud": audience,
        "sub": "test-service-account",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + ttl,
        "scope": " ".join(f"channel:{c}" for c in scope),
    }
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm="HS256")

"""The image, built by `make image` (podman) and run for real: every role of the dev overlay in
its own container as its Deployment says (user, read-only root, volumes, environment from the
rendered manifests), Redis, and the manifests' edge config on nginx in front; then what clients
and probes see through it."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from services.badges.kinds import KINDS
from tests.conftest import mint
from tests.deploy.crosscheck import _credential_envs as credential_envs
from tests.deploy.image_run import LIMITS
from tests.deploy.image_run import PODMAN
from tests.deploy.image_run import Image
from tests.deploy.image_run import build_image
from tests.deploy.image_run import edge_command
from tests.deploy.image_run import pod_volumes
from tests.deploy.image_run import remove_container
from tests.deploy.image_run import resource_options
from tests.deploy.image_run import role_env
from tests.deploy.image_run import secret_values
from tests.deploy.image_run import security_options
from tests.deploy.image_run import service_role
from tests.deploy.image_run import start_container
from tests.deploy.manifests import OVERLAYS
from tests.deploy.manifests import Manifests
from tests.deploy.manifests import app_containers
from tests.deploy.manifests import container_env
from tests.deploy.manifests import named
from tests.deploy.manifests import render
from tests.processes import REPO
from tests.processes import Process
from tests.processes import free_ports
from tests.processes import http_get
from tests.processes import start_redis
from tests.processes import wait_http

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("image")]

OVERLAY = "dev"
SBOM = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda"
REPODATA = REPO / "data" / "channels" / "main" / "linux-64" / "repodata.json"


@dataclass
class Deployed:
    """The image's roles in containers, Redis and the edge, with what they were given."""

    image: Image
    objects: Manifests
    work: Path
    ports: dict[str, int] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    envs: dict[str, dict[str, str]] = field(default_factory=dict)
    containers: dict[str, str] = field(default_factory=dict)  # role: container name
    processes: dict[str, Process] = field(default_factory=dict)

    @property
    def edge(self) -> str:
        """The public address: the edge."""
        return f"http://127.0.0.1:{self.ports['edge']}"

    def logs(self) -> str:
        """Everything the containers wrote."""
        return "".join(self.processes[role].log() for role in self.containers)

    def stop(self) -> None:
        """Remove every container started (whatever failed), then stop the host processes."""
        with ThreadPoolExecutor(max(1, len(self.containers))) as pool:
            list(pool.map(remove_container, self.containers.values()))
        for process in self.processes.values():
            process.stop()


def _start(deployed: Deployed) -> None:
    objects, work = deployed.objects, deployed.work
    roles = [container["name"] for _, _, _, container in app_containers(objects)]
    names = [*roles, *(f"{r}-metrics" for r in roles), "redis", "edge"]
    deployed.ports = ports = dict(zip(names, free_ports(len(names)), strict=True))
    deployed.secrets = secret_values(objects)
    deployed.processes["redis"] = start_redis(work / "redis", ports["redis"])[0]
    for _, _, spec, container in app_containers(objects):
        role = container["name"]
        env = role_env(objects, container, deployed.image, ports, deployed.secrets)
        options = [
            *security_options(spec, container),
            *resource_options(container),
            *pod_volumes(objects, spec, container, work),
        ]
        deployed.envs[role] = env
        deployed.containers[role] = name = f"conda-badges-test-{role}-{ports[role]}"
        deployed.processes[role] = start_container(
            name, options, env, deployed.image, container.get("args", []), work / f"{role}.log"
        )
    for _, _, _, container in app_containers(objects):
        role = container["name"]
        probe = container["startupProbe"]["httpGet"]["path"]
        wait_http(f"http://127.0.0.1:{ports[role]}{probe}", 60, deployed.processes[role].popen)
    nginx = subprocess.Popen(
        edge_command(objects, work, ports),
        stdout=open(work / "edge.log", "ab"),  # noqa: SIM115 - lives as long as nginx
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deployed.processes["edge"] = Process("edge", nginx, work / "edge.log")
    wait_http(f"{deployed.edge}/edge-healthz", 30, nginx)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    running = Deployed(build_image(), render(OVERLAY), tmp_path_factory.mktemp("image"))
    try:
        _start(running)
        yield running
    finally:
        running.stop()
        for path in running.work.glob("*.log"):  # shown when a test fails
            print(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}")


def get(deployed: Deployed, path: str, headers: dict | None = None):
    return http_get(deployed.edge, path, headers)


def test_every_role_answers_its_probes_and_the_image_healthcheck(deployed):
    for _, _, _, container in app_containers(deployed.objects):
        role = container["name"]
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            path = container[probe]["httpGet"]["path"]
            assert container[probe]["httpGet"]["port"] == "http"
            status, _, _ = http_get(f"http://127.0.0.1:{deployed.ports[role]}", path)
            assert status == 200, f"{role} {probe} {path}: {status}"
        name = deployed.containers[role]
        check = subprocess.run([*PODMAN, "healthcheck", "run", name], capture_output=True)
        assert check.returncode == 0, f"{role}: {check.stdout!r} {check.stderr!r}"
    edge = named(deployed.objects, "Deployment", "edge")["spec"]["template"]["spec"]
    for probe in ("livenessProbe", "readinessProbe"):
        path = edge["containers"][0][probe]["httpGet"]["path"]
        assert get(deployed, path)[0] == 200


def _versions() -> set[str]:
    data = json.loads(REPODATA.read_text())
    records = {**data.get("packages", {}), **data.get("packages.conda", {})}
    return {r["version"] for r in records.values() if r["name"] == "zlib"}


def _record(filename: str) -> dict:
    data = json.loads(REPODATA.read_text())
    return {**data.get("packages", {}), **data.get("packages.conda", {})}[filename]


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_badge_kind_through_the_edge(deployed, kind):
    status, head, body = get(deployed, f"/main/zlib/badges/{kind}.svg")
    assert status == 200 and head["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(body).get("role") == "img"  # noqa: S314 - our own answer
    status, _, body = get(deployed, f"/main/zlib/badges/{kind}.json")
    assert status == 200 and json.loads(body)["message"]
    if kind == "version":
        assert json.loads(body)["message"].lstrip("v") in _versions()


def test_an_sbom_in_each_format_and_a_signed_envelope(deployed):
    record = _record(SBOM.rsplit("/", 1)[1])
    status, _, body = get(deployed, SBOM + ".cdx.json")
    assert status == 200
    component = json.loads(body)["metadata"]["component"]
    assert (component["name"], component["version"]) == (record["name"], record["version"])
    status, _, body = get(deployed, SBOM + ".spdx.json")
    packages = json.loads(body)["packages"]
    assert status == 200 and (record["name"], record["version"]) in {
        (p["name"], p.get("versionInfo")) for p in packages
    }
    status, _, body = get(deployed, SBOM + ".cdx.intoto.json")
    assert status == 200
    envelope = json.loads(body)
    payload = base64.b64decode(envelope["payload"])
    kind = envelope["payloadType"].encode()
    signed = b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)
    key = serialization.load_pem_private_key(deployed.secrets["SBOM_SIGNING_KEY"].encode(), None)
    key.public_key().verify(base64.b64decode(envelope["signatures"][0]["sig"]), signed)
    subjects = json.loads(payload)["subject"]
    assert {"sha256": record["sha256"]} in [s["digest"] for s in subjects]


def test_a_private_request_with_a_token_and_without(deployed):
    env = deployed.envs["gateway"]
    token = mint(
        "private",
        audience=["api", "badges", "sbom"],
        secret=deployed.secrets["TOKEN_HS256_SECRET"],
        issuer=env["TOKEN_ISSUER"],
    )
    for path in (
        "/api/channels/private/artifacts/conda/r-base",
        "/private/r-base/badges/version.svg",
    ):
        status, head, _ = get(deployed, path, {"Authorization": f"Bearer {token}"})
        assert status == 200 and head["x-edge-cache"] == "BYPASS"
        assert get(deployed, path)[0] == 404


def test_roles_write_only_in_their_writable_volumes(deployed):
    for path in ("/api/channels/main/artifacts/conda/zlib", SBOM + ".cdx.json"):
        assert get(deployed, path + "?again=1")[0] == 200
    assert "Read-only file system" not in deployed.logs()
    assert "Traceback" not in deployed.logs()


def test_manifest_env_names_only_settings_the_image_reads(deployed):
    script = "from common.settings import settings_table as t; print(' '.join(r[0] for r in t()))"
    read = subprocess.run(
        [*PODMAN, "run", "--rm", "--network", "none", *LIMITS, "--entrypoint", "python",
         deployed.image.ref, "-c", script],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for overlay in OVERLAYS:
        objects = render(overlay)
        # PORT: the image's entrypoint; credentials: named by the overlay's channels file
        allowed = set(read) | {"PORT"} | credential_envs(objects)
        for _, _, _, container in app_containers(objects):
            names = set(container_env(objects, container))
            assert names <= allowed, f"{overlay}/{container['name']}: {sorted(names - allowed)}"


def _unfinished(url: str, count: int) -> list[socket.socket]:
    """`count` connections, each with a request line and no end of headers."""
    host, port = url.rsplit("/", 1)[-1].split(":")
    held = []
    for _ in range(count):
        sock = socket.create_connection((host, int(port)), 5)
        sock.sendall(b"GET /main/zlib/badges/version.svg HTTP/1.1\r\nHost: x\r\n")
        held.append(sock)
    return held


def test_unfinished_requests_at_the_public_entry_do_not_stop_the_service(deployed):
    ingress = next(o for o in deployed.objects if o["kind"] == "Ingress")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    role, _ = service_role(deployed.objects, backend)
    entry = f"http://127.0.0.1:{deployed.ports[role]}"
    held = _unfinished(entry, 128)
    try:
        time.sleep(0.5)  # let them reach whatever reads them
        status, _, _ = http_get(entry, "/main/zlib/badges/version.svg?unfinished=1")
        assert status == 200
        gateway = f"http://127.0.0.1:{deployed.ports['gateway']}"
        assert http_get(gateway, "/readyz")[0] == 200
    finally:
        for sock in held:
            sock.close()


CGROUP_LIMITS = (
    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
)


def test_every_container_runs_within_its_memory_and_cpu_limits(deployed):
    """The manifests' limits are in force inside each container (cgroup v1 here)."""
    for _, _, _, container in app_containers(deployed.objects):
        name = deployed.containers[container["name"]]
        memory, quota, period = subprocess.run(
            [*PODMAN, "exec", name, "cat", *CGROUP_LIMITS],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        options = resource_options(container)
        assert memory == options[options.index("--memory") + 1], container["name"]
        assert int(quota) / int(period) == float(options[options.index("--cpus") + 1])


def test_the_image_user_is_the_pods_user(deployed):
    for _, _, spec, container in app_containers(deployed.objects):
        pod = spec["securityContext"]
        user = f"{pod['runAsUser']}:{pod['runAsGroup']}"
        assert deployed.image.config["User"] == user, container["name"]


def test_the_run_stage_has_no_build_tools(deployed):
    script = (
        "import importlib.util as u, shutil; "
        "print([m for m in ('pip', 'setuptools', 'wheel') if u.find_spec(m)]"
        " + [t for t in ('gcc', 'cc', 'make', 'pip', 'pip3') if shutil.which(t)])"
    )
    found = subprocess.run(
        [*PODMAN, "run", "--rm", "--network", "none", *LIMITS, "--entrypoint", "python",
         deployed.image.ref, "-c", script],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert found == "[]"


def test_the_image_is_stamped_for_reproducible_builds(deployed):
    """Created (and every layer's file times) is a fixed time, the Unix epoch; the
    virtualenv's bytecode is hash-checked, so that it holds no build time either."""
    created = datetime.fromisoformat(deployed.image.created.replace("Z", "+00:00"))
    assert created.timestamp() == 0
    script = (
        "import pathlib, flask; p = pathlib.Path(flask.__file__).parent; "
        "print(sorted({int.from_bytes(f.read_bytes()[4:8], 'little') "
        "for f in p.glob('__pycache__/*.pyc')}))"
    )
    flags = subprocess.run(
        [*PODMAN, "run", "--rm", "--network", "none", *LIMITS, "--entrypoint", "python",
         deployed.image.ref, "-c", script],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert flags == "[3]"  # PEP 552: hash-based (1), checked (2)

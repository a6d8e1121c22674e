"""Run the built image's roles in real containers (podman), each as its rendered Deployment
says: its user and fsGroup, a read-only root, dropped capabilities, its volumes (emptyDirs
writable, ConfigMaps read-only) and its environment (the ConfigMaps and the Secret's keys).

Only addresses are translated: the containers share the host's network, so a Service name in
a URL becomes 127.0.0.1 and each role's port a free one (after checking that the port the
manifests name is the one the image listens on)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.deploy.manifests import Manifests
from tests.deploy.manifests import container_env
from tests.deploy.manifests import named
from tests.deploy.manifests import of_kind
from tests.deploy.manifests import selects
from tests.processes import REPO
from tests.processes import Process

# podman's default runtime (crun) and its default limits fail here ("setrlimit RLIMIT_NPROC:
# Operation not permitted", then "cgroups in hybrid mode not supported"): runc with limits
# below the caller's works, as a Kubernetes node's runtime gives them
PODMAN = ["podman", "--runtime", "runc"]
LIMITS = ["--ulimit", "nproc=4096:4096", "--ulimit", "nofile=16384:16384"]


@dataclass
class Image:
    """A built image: its reference, config (ENV, USER, ENTRYPOINT, CMD, Healthcheck) and
    creation time."""

    ref: str
    config: dict
    created: str

    @property
    def env(self) -> dict[str, str]:
        """The image's ENV."""
        return dict(item.split("=", 1) for item in self.config.get("Env") or [])


def build_image() -> Image:
    """`make image`'s build (python -m deploy.image): cached layers make a rerun quick."""
    built = subprocess.run(
        [sys.executable, "-m", "deploy.image"], cwd=REPO, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-5000:]
    ref = built.stdout.split()[-1]
    inspect = subprocess.run(
        ["podman", "image", "inspect", ref], capture_output=True, text=True, check=True
    )
    data = json.loads(inspect.stdout)[0]
    return Image(ref, data["Config"], data["Created"])


def secret_values(objects: Manifests) -> dict[str, str]:
    """A value for every Secret key a container reads: random, a PEM key for a signing key."""
    keys = set()
    for deployment in of_kind(objects, "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    keys.add(ref["key"])
    values = {}
    for key in sorted(keys):
        if key.endswith("SIGNING_KEY"):
            values[key] = (
                ed25519.Ed25519PrivateKey.generate()
                .private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                .decode()
            )
        else:
            values[key] = secrets.token_urlsafe(48)
    return values


def service_role(objects: Manifests, service: str) -> tuple[str, dict] | None:
    """(Deployment name, Service) for a Service name, when a Deployment backs it."""
    found = named(objects, "Service", service)
    if found is None:
        return None
    for deployment in of_kind(objects, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"].get("labels", {})
        if selects(found["spec"]["selector"], labels):
            return deployment["metadata"]["name"], found
    return None


def translate(objects: Manifests, value: str, ports: dict[str, int]) -> str:
    """A URL naming a Service (http://metadata, redis://redis:6379/0) with that Service's host
    and port replaced by the loopback port its Deployment runs on here; anything else as is."""
    parts = urllib.parse.urlsplit(value)
    if not parts.scheme or not parts.hostname:
        return value
    backed = service_role(objects, parts.hostname)
    if backed is None:
        return value
    role, service = backed
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    assert port in {p["port"] for p in service["spec"]["ports"]}, (
        f"{value}: the Service {parts.hostname} has no port {port}"
    )
    return parts._replace(netloc=f"127.0.0.1:{ports[role]}").geturl()


def container_port(container: dict, name: str) -> int:
    """The containerPort called `name`."""
    return next(p["containerPort"] for p in container["ports"] if p["name"] == name)


def role_env(
    objects: Manifests, container: dict, image: Image, ports: dict[str, int], values: dict
) -> dict[str, str]:
    """The container's environment from the manifests, Secret `values` filled in, addresses
    translated; PORT and METRICS_BIND moved to free ports after checking the named ports."""
    role = container["name"]
    given = container_env(objects, container)
    env = {}
    for item in container.get("env", []):
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            given[item["name"]] = values[ref["key"]]
    for name, value in given.items():
        assert value is not None, f"{role}: {name} has no value"
        env[name] = translate(objects, value, ports)
    http = container_port(container, "http")
    assert str(http) == env.get("PORT", image.env["PORT"]), f"{role}: http is not the PORT"
    env["PORT"] = str(ports[role])
    if "METRICS_BIND" in env:
        assert env["METRICS_BIND"].rpartition(":")[2] == str(container_port(container, "metrics"))
        env["METRICS_BIND"] = f"127.0.0.1:{ports[role + '-metrics']}"
    return env


def pod_volumes(objects: Manifests, spec: dict, container: dict, work: Path) -> list[str]:
    """podman -v options per volumeMount: an emptyDir is an empty dir the pod's fsGroup may
    write; a ConfigMap a read-only dir of its rendered files."""
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    group = spec.get("securityContext", {}).get("fsGroup", 0)
    options = []
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        host = work / container["name"] / mount["name"]
        host.mkdir(parents=True)
        if "emptyDir" in volume:
            os.chown(host, 0, group)
            host.chmod(0o2770)
        elif "configMap" in volume:
            config = named(objects, "ConfigMap", volume["configMap"]["name"])
            assert config is not None, f"no ConfigMap {volume['configMap']['name']}"
            for key, value in config.get("data", {}).items():
                (host / key).write_text(value)
        else:
            raise AssertionError(f"volume {mount['name']}: only emptyDir and configMap run here")
        read_only = ":ro" if mount.get("readOnly") or "configMap" in volume else ""
        options += ["-v", f"{host}:{mount['mountPath']}{read_only}"]
    return options


def security_options(spec: dict, container: dict) -> list[str]:
    """podman options for the pod's and the container's securityContext."""
    pod = spec.get("securityContext", {})
    own = container.get("securityContext", {})
    options = ["--user", f"{pod['runAsUser']}:{pod['runAsGroup']}"]
    if "fsGroup" in pod:
        options += ["--group-add", str(pod["fsGroup"])]
    if own.get("readOnlyRootFilesystem"):
        options += ["--read-only", "--read-only-tmpfs=false"]  # only the volumes are writable
    if own.get("allowPrivilegeEscalation") is False:
        options += ["--security-opt", "no-new-privileges"]
    for capability in own.get("capabilities", {}).get("drop", []):
        options += ["--cap-drop", capability.lower()]
    return options


MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}


def resource_options(container: dict) -> list[str]:
    """podman --memory and --cpus for the container's resource limits (Kubernetes quantities:
    320Mi, 1Gi; 500m, 1)."""
    limits = container.get("resources", {}).get("limits", {})
    options = []
    if "memory" in limits:
        number, unit = re.fullmatch(r"(\d+)([KMG]i?)?", str(limits["memory"])).groups()
        options += ["--memory", str(int(number) * MEMORY_UNITS.get(unit or "", 1))]
    if "cpu" in limits:
        cpu = str(limits["cpu"])
        options += ["--cpus", str(int(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu))]
    return options


def start_container(
    name: str, options: list[str], env: dict, image: Image, args: list[str], log: Path
) -> Process:
    """`podman run` in the foreground (its output in `log`); the environment is passed by name
    (-e NAME), so values such as PEM keys need no quoting and stay off the command line."""
    command = [
        *PODMAN, "run", "--rm", "--name", name, "--network", "host", *LIMITS, *options,
        *(f"-e{key}" for key in env), image.ref, *args,
    ]  # fmt: skip
    popen = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=open(log, "ab"),  # noqa: SIM115 - lives as long as the process
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Process(name, popen, Path(log))


def remove_container(name: str) -> None:
    """Stop and remove a container (gunicorn's graceful stop, then a kill)."""
    subprocess.run([*PODMAN, "rm", "-f", "-t", "5", name], capture_output=True, check=False)


def edge_command(objects: Manifests, work: Path, ports: dict[str, int]) -> list[str]:
    """The edge container's command (its args, on the host's nginx) with its config from the
    rendered ConfigMap, paths moved into `work` and addresses to loopback ports (each after
    checking it against the manifests)."""
    conf = work / "edge" / "conf"
    conf.mkdir(parents=True)
    for sub in ("cache", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (work / "edge" / sub).mkdir(parents=True, exist_ok=True)
    spec = named(objects, "Deployment", "edge")["spec"]["template"]["spec"]
    edge = spec["containers"][0]
    volume = next(v for v in spec["volumes"] if v["name"] == "config")
    config = named(objects, "ConfigMap", volume["configMap"]["name"])
    assert config is not None, f"no ConfigMap {volume['configMap']['name']}"
    for key, value in config["data"].items():
        (conf / key).write_text(value)
    mount = next(m["mountPath"] for m in edge["volumeMounts"] if m["name"] == "config")
    cache = next(m["mountPath"] for m in edge["volumeMounts"] if m["name"] == "cache")
    role, service = service_role(objects, "gateway")
    port = service["spec"]["ports"][0]["port"]
    moves = {
        f"{mount}/": f"{conf}/",
        cache: str(work / "edge" / "cache"),
        "/tmp/": f"{work / 'edge' / 'tmp'}/",
        f"server gateway:{port} ": f"server 127.0.0.1:{ports[role]} ",
        f"listen {container_port(edge, 'http')};": f"listen 127.0.0.1:{ports['edge']};",
    }
    text = (conf / "nginx.conf").read_text()
    for old in moves:
        assert old in text, f"the edge's nginx.conf has no {old!r}"
    text = re.sub("|".join(map(re.escape, moves)), lambda m: moves[m.group()], text)
    user = "user root;\n" if os.geteuid() == 0 else ""  # its workers write the cache here
    (conf / "nginx.conf").write_text(user + text)
    args = [str(conf / "nginx.conf") if a == f"{mount}/nginx.conf" else a for a in edge["args"]]
    assert args[0] == "nginx" and str(conf / "nginx.conf") in args, edge["args"]
    return [args[0], "-p", str(conf), "-e", "stderr", *args[1:]]

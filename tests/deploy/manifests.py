"""Render the kustomize overlays with kubectl and cross-check them against the code."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import yaml

from common.settings import Settings
from tests.processes import REPO

K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
SECRET_TEMPLATE = K8S / "secret.template.yaml"
DOCKERFILE = REPO / "Dockerfile"
KUBECTL = Path(sys.executable).with_name("kubectl")
APP_IMAGE = "conda-badges"
PROCESSES = ("gateway", "badges", "sbom")
COMPONENT = "app.kubernetes.io/component"

Obj = dict
Manifests = list[Obj]


def render(overlay: str | Path) -> Manifests:
    """The objects `kubectl kustomize` renders for an overlay (a name under overlays/ or a dir)."""
    path = overlay if isinstance(overlay, Path) else K8S / "overlays" / overlay
    result = subprocess.run(
        [str(KUBECTL), "kustomize", str(path)], capture_output=True, text=True, check=True
    )
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def secret_template() -> Obj:
    """The Secret template (not part of any overlay: it is created out of band)."""
    return yaml.safe_load(SECRET_TEMPLATE.read_text())


def dockerfile_env() -> dict[str, str]:
    """The `ENV` values of the Dockerfile's final stage."""
    final = DOCKERFILE.read_text().split("\nFROM ")[-1]
    joined = final.replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in joined.splitlines():
        if line.startswith("ENV "):
            env.update(re.findall(r"([A-Z_][A-Z0-9_]*)=(\S+)", line))
    return env


def of_kind(objects: Manifests, kind: str) -> list[Obj]:
    """The objects of one kind."""
    return [o for o in objects if o["kind"] == kind]


def named(objects: Manifests, kind: str, name: str) -> Obj | None:
    """The object of `kind` called `name`, if any."""
    return next((o for o in of_kind(objects, kind) if o["metadata"]["name"] == name), None)


def selects(selector: dict, labels: dict) -> bool:
    """Whether a selector (a LabelSelector's matchLabels, or a Service's plain map; empty
    selects everything) selects `labels`."""
    if "matchExpressions" in selector:
        raise ValueError(f"these checks do not evaluate matchExpressions: {selector}")
    wanted = selector.get("matchLabels", selector)
    return all(labels.get(key) == value for key, value in wanted.items())


def pods(objects: Manifests) -> Iterator[tuple[Obj, dict, dict]]:
    """(Deployment, pod labels, pod spec) for every Deployment."""
    for deployment in of_kind(objects, "Deployment"):
        template = deployment["spec"]["template"]
        yield deployment, template["metadata"].get("labels", {}), template["spec"]


def app_containers(objects: Manifests) -> Iterator[tuple[Obj, dict, dict, dict]]:
    """(Deployment, pod labels, pod spec, container) for containers running our image."""
    for deployment, labels, spec in pods(objects):
        for container in spec["containers"]:
            if container["image"].split("@")[0].rsplit(":", 1)[0].endswith(APP_IMAGE):
                yield deployment, labels, spec, container


def container_env(objects: Manifests, container: dict) -> dict[str, str | None]:
    """A container's environment: ConfigMap values, then `env` (None for Secret references)."""
    env: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef") or source.get("secretRef") or {}
        config = named(objects, "ConfigMap", ref.get("name", ""))
        env.update((config or {}).get("data", {}))
    for item in container.get("env", []):
        env[item["name"]] = item.get("value")
    return env


_STATE = tempfile.TemporaryDirectory(prefix="k8s-check-")  # removed when the interpreter exits


@functools.cache
def _url_adapter(process: str):
    settings = Settings.from_env(
        {"STATE_DIR": _STATE.name, "TOKEN_HS256_SECRET": "x" * 32, "INTERNAL_API_KEY": "k" * 32},
        with_channels=process == "gateway",
    )
    if process == "gateway":
        from gateway import create_app
    elif process == "badges":
        from services.badges import create_app
    else:
        from services.sbom import create_app
    return create_app(settings).url_map.bind("localhost")


def endpoint_for(process: str, path: str) -> str | None:
    """The Flask endpoint that `process` serves `path` with, or None when nothing matches."""
    from werkzeug.exceptions import HTTPException

    try:
        endpoint, _ = _url_adapter(process).match(path, method="GET")
    except HTTPException:
        return None
    return endpoint

"""Cross-checks of rendered manifests against the code: each returns a list of problems."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from common.channels import parse_channels
from common.settings import settings_table
from tests.deploy.manifests import COMPONENT
from tests.deploy.manifests import DOCKERFILE
from tests.deploy.manifests import PROCESSES
from tests.deploy.manifests import REPO
from tests.deploy.manifests import Manifests
from tests.deploy.manifests import Obj
from tests.deploy.manifests import app_containers
from tests.deploy.manifests import container_env
from tests.deploy.manifests import dockerfile_env
from tests.deploy.manifests import endpoint_for
from tests.deploy.manifests import named
from tests.deploy.manifests import of_kind
from tests.deploy.manifests import pods
from tests.deploy.manifests import selects

WSGI = {"gateway": "gateway.wsgi:app", "badges": "services.badges.wsgi:app"}
WSGI["sbom"] = "services.sbom.wsgi:app"
# components that run another component's process: metadata is a gateway for internal callers
PROCESS_OF = {"metadata": "gateway"}
IMAGE_ROOT = PurePosixPath("/app")  # the Dockerfile's WORKDIR, where data/ is copied
URL_SETTINGS = {"GATEWAY_URL": "metadata", "BADGES_URL": "badges", "SBOM_URL": "sbom"}
URL_SETTINGS["GATEWAY_CACHE_URL"] = "redis"
# who may open connections to whom; "outside" is a pod in another namespace (the ingress)
ALLOWED = {
    "edge": {"outside", "edge", "gateway", "metadata", "badges", "sbom", "redis"},
    "gateway": {"edge"},
    "badges": {"gateway"},
    "sbom": {"gateway"},
    "redis": {"gateway", "metadata"},
    "metadata": {"badges", "sbom"},
}


def label_of(deployment: Obj) -> str:
    return f"Deployment/{deployment['metadata']['name']}"


def channels_text(objects: Manifests, container: dict) -> str | None:
    """The channels.toml text a gateway container reads, via its mounted ConfigMap."""
    path = PurePosixPath(container_env(objects, container).get("GATEWAY_CHANNELS_FILE") or "")
    for _, _, spec, other in app_containers(objects):
        if other is not container:
            continue
        for mount in container.get("volumeMounts", []):
            if path.parent != PurePosixPath(mount["mountPath"]):
                continue
            volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
            config = named(objects, "ConfigMap", volume.get("configMap", {}).get("name", ""))
            if config is not None:
                return config.get("data", {}).get(path.name)
    return None


def _credential_envs(objects: Manifests) -> set[str]:
    names: set[str] = set()
    for _, labels, _, container in app_containers(objects):
        text = (
            channels_text(objects, container)
            if labels.get(COMPONENT) in ("gateway", "metadata")
            else None
        )
        if text:
            environ = {name: "x" for name in container_env(objects, container)}
            names |= {c.credential_env for c in parse_channels(text, REPO, environ).values()}
    return names - {""}


def check_env_names(objects: Manifests, secret: Obj) -> list[str]:
    """Every variable set in an app container is a setting, PORT, or a channel credential."""
    allowed = {env for env, _, _ in settings_table()} | {"PORT"} | _credential_envs(objects)
    problems = []
    for deployment, _, _, container in app_containers(objects):
        for name in sorted(set(container_env(objects, container)) - allowed):
            problems.append(f"{label_of(deployment)}: env {name} is not a setting the code reads")
    return problems


def check_secrets_and_configs(objects: Manifests, secret: Obj) -> list[str]:
    """Secret references name keys of the template; ConfigMap references exist."""
    keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    problems = []
    for deployment, _, spec, container in app_containers(objects):
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref is None:
                continue
            if ref["name"] != secret["metadata"]["name"] or ref["key"] not in keys:
                problems.append(f"{label_of(deployment)}: no secret key {ref['name']}/{ref['key']}")
        refs = [s["configMapRef"]["name"] for s in container.get("envFrom", [])]
        refs += [v["configMap"]["name"] for v in spec.get("volumes", []) if "configMap" in v]
        problems += [
            f"{label_of(deployment)}: no ConfigMap {ref}"
            for ref in refs
            if named(objects, "ConfigMap", ref) is None
        ]
    return problems


def secret_keys_used(objects: Manifests) -> set[str]:
    """The Secret keys that app containers read."""
    return {
        item["valueFrom"]["secretKeyRef"]["key"]
        for _, _, _, container in app_containers(objects)
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }


def check_processes(objects: Manifests, secret: Obj) -> list[str]:
    """Each app container runs its component's process, on its port, probed on health paths."""
    image_env = dockerfile_env()
    dockerfile = DOCKERFILE.read_text()
    problems = []
    if '-b \\"0.0.0.0:${PORT}\\"' not in dockerfile:
        problems.append("the Dockerfile entrypoint does not bind 0.0.0.0:$PORT")
    for deployment, labels, _, container in app_containers(objects):
        where, component = label_of(deployment), labels.get(COMPONENT)
        process = PROCESS_OF.get(component, component)
        if process not in PROCESSES or container.get("args") != [process]:
            problems.append(f"{where}: args {container.get('args')} for component {component}")
            continue
        if f"{process}) app={WSGI[process]}" not in dockerfile:
            problems.append(f"{where}: the image does not map {process} to {WSGI[process]}")
        env = container_env(objects, container)
        port = int(env.get("PORT") or image_env["PORT"])
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        if ports.get("http") != port:
            problems.append(f"{where}: containerPort http {ports.get('http')} but binds {port}")
        expected = {"livenessProbe": "health.healthz", "readinessProbe": "health.readyz"}
        expected["startupProbe"] = "health.healthz"
        for probe_name, endpoint in expected.items():
            probe = container.get(probe_name)
            if probe is None:
                if probe_name != "startupProbe":
                    problems.append(f"{where}: no {probe_name}")
                continue
            get = probe.get("httpGet", {})
            if get.get("port") not in ("http", port):
                problems.append(f"{where}: {probe_name} port {get.get('port')} is not {port}")
            found = endpoint_for(process, get.get("path", ""))
            if found != endpoint:
                problems.append(
                    f"{where}: {probe_name} path {get.get('path')} reaches {found}, not {endpoint}"
                )
    return problems


def service_targets(objects: Manifests, service: Obj) -> list[tuple[Obj, dict]]:
    return [
        (deployment, labels)
        for deployment, labels, _ in pods(objects)
        if selects(service["spec"].get("selector", {}), labels)
    ]


def port_numbers(spec: dict) -> dict:
    """A pod's container ports by name and by number."""
    found = {}
    for container in spec["containers"]:
        for port in container.get("ports", []):
            found[port["containerPort"]] = port["containerPort"]
            if "name" in port:
                found[port["name"]] = port["containerPort"]
    return found


def check_services(objects: Manifests, secret: Obj) -> list[str]:
    """Service selectors select one component's pods, whose containers have the targetPort."""
    problems = []
    specs = {d["metadata"]["name"]: s for d, _, s in pods(objects)}
    for service in of_kind(objects, "Service"):
        name = f"Service/{service['metadata']['name']}"
        targets = service_targets(objects, service)
        components = {labels.get(COMPONENT) for _, labels in targets}
        if len(components) != 1:
            problems.append(f"{name}: selects the pods of {sorted(map(str, components))}")
            continue
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for deployment, _ in targets:
                if target not in port_numbers(specs[deployment["metadata"]["name"]]):
                    problems.append(f"{name}: targetPort {target} not in {label_of(deployment)}")
    return problems


def _service_url_problem(objects: Manifests, url: str, component: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").split(".")[0]
    service = named(objects, "Service", host)
    if service is None:
        return f"{url}: no Service {host}"
    default = 6379 if parts.scheme.startswith("redis") else 80
    if (parts.port or default) not in [p["port"] for p in service["spec"]["ports"]]:
        return f"{url}: Service {host} has no port {parts.port or default}"
    components = {labels.get(COMPONENT) for _, labels in service_targets(objects, service)}
    if components != {component}:
        return f"{url}: Service {host} selects {sorted(map(str, components))}, not {component}"
    return None


def check_urls(objects: Manifests, secret: Obj) -> list[str]:
    """GATEWAY_URL, BADGES_URL, SBOM_URL and GATEWAY_CACHE_URL name the right Services."""
    problems = []
    for deployment, _, _, container in app_containers(objects):
        env = container_env(objects, container)
        for setting, component in URL_SETTINGS.items():
            if not env.get(setting):
                problems.append(f"{label_of(deployment)}: {setting} is not set")
                continue
            problem = _service_url_problem(objects, env[setting], component)
            if problem:
                problems.append(f"{label_of(deployment)}: {setting}={problem}")
    return problems

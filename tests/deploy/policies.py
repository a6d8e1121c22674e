"""Cross-checks of NetworkPolicies, workload hardening, scaling and the Ingress."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from common.channels import parse_channels
from tests.deploy.crosscheck import ALLOWED
from tests.deploy.crosscheck import IMAGE_ROOT
from tests.deploy.crosscheck import channels_text
from tests.deploy.crosscheck import label_of
from tests.deploy.crosscheck import port_numbers
from tests.deploy.crosscheck import service_targets
from tests.deploy.manifests import COMPONENT
from tests.deploy.manifests import REPO
from tests.deploy.manifests import Manifests
from tests.deploy.manifests import Obj
from tests.deploy.manifests import app_containers
from tests.deploy.manifests import container_env
from tests.deploy.manifests import named
from tests.deploy.manifests import of_kind
from tests.deploy.manifests import pods
from tests.deploy.manifests import selects

OUTSIDE = "outside"
NAMESPACE_LABEL = "kubernetes.io/metadata.name"  # every namespace has it


def _peer_allows(peer: dict, source: dict | None, namespace: dict) -> bool:
    """Whether one `from` peer admits the source pod's labels (None: a pod elsewhere, which
    a namespaceSelector may admit); `namespace` holds the labels of the policy's namespace."""
    if "ipBlock" in peer:
        return False  # not used: pods and namespaces only
    if "namespaceSelector" in peer:
        if source is None:
            return True
        in_namespace = selects(peer["namespaceSelector"], namespace)
        return in_namespace and selects(peer.get("podSelector", {}), source)
    return source is not None and selects(peer.get("podSelector", {}), source)


def allowed(objects: Manifests, source: dict | None, dest: dict, port: int, names: dict) -> bool:
    """Whether NetworkPolicies let `source` pod labels (None: outside) reach `dest` on `port`."""
    policies = [
        p
        for p in of_kind(objects, "NetworkPolicy")
        if "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
        and selects(p["spec"]["podSelector"], dest)
    ]
    if not policies:
        return True
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            peers = rule.get("from")
            namespace = {NAMESPACE_LABEL: policy["metadata"].get("namespace", "default")}
            if peers and not any(_peer_allows(peer, source, namespace) for peer in peers):
                continue
            ports = [names.get(p.get("port"), p.get("port")) for p in rule.get("ports", [])]
            if not ports or port in ports:
                return True
    return False


def check_network(objects: Manifests, secret: Obj) -> list[str]:
    """Policies select real pods, and who-reaches-whom is exactly ALLOWED."""
    problems = []
    workloads = {labels.get(COMPONENT): (labels, spec) for _, labels, spec in pods(objects)}
    for policy in of_kind(objects, "NetworkPolicy"):
        name = f"NetworkPolicy/{policy['metadata']['name']}"
        selectors = [policy["spec"]["podSelector"]] if policy["spec"]["podSelector"] else []
        for rule in policy["spec"].get("ingress", []):
            selectors += [p["podSelector"] for p in rule.get("from", []) if "podSelector" in p]
        for selector in selectors:
            if not any(selects(selector, labels) for labels, _ in workloads.values()):
                problems.append(f"{name}: selector {selector} matches no pods")
    for dest, (dest_labels, spec) in workloads.items():
        names = port_numbers(spec)
        port = next(iter(names.values()))
        for source in [OUTSIDE, *workloads]:
            labels = None if source == OUTSIDE else workloads[source][0]
            reach = allowed(objects, labels, dest_labels, port, names)
            if reach != (source in ALLOWED.get(dest, set())):
                verb = "can" if reach else "cannot"
                problems.append(f"{source} {verb} reach {dest} on port {port}")
    return problems


def _security_problems(where: str, spec: dict, container: dict) -> list[str]:
    problems = []
    context = container.get("securityContext", {})
    non_root = context.get("runAsNonRoot", spec.get("securityContext", {}).get("runAsNonRoot"))
    if non_root is not True:
        problems.append(f"{where}: {container['name']} may run as root")
    if context.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}: {container['name']} has a writable root filesystem")
    if context.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: {container['name']} allows privilege escalation")
    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        if set(resources.get(kind, {})) < {"cpu", "memory"}:
            problems.append(f"{where}: {container['name']} lacks cpu/memory {kind}")
    for probe in ("livenessProbe", "readinessProbe"):
        if probe not in container:
            problems.append(f"{where}: {container['name']} has no {probe}")
    return problems


def _writable_paths(spec: dict, container: dict) -> set[PurePosixPath]:
    empty = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
    mounts = container.get("volumeMounts", [])
    return {PurePosixPath(m["mountPath"]) for m in mounts if m["name"] in empty}


def check_workloads(objects: Manifests, secret: Obj) -> list[str]:
    """Own ServiceAccounts, non-root, read-only roots with emptyDirs, limits, probes, config."""
    problems = []
    accounts: dict[str, str] = {}
    for deployment, _, spec in pods(objects):
        where = label_of(deployment)
        account = spec.get("serviceAccountName", "default")
        if named(objects, "ServiceAccount", account) is None:
            problems.append(f"{where}: no ServiceAccount {account}")
        if account in accounts:
            problems.append(f"{where}: shares ServiceAccount {account} with {accounts[account]}")
        accounts[account] = where
        for container in spec["containers"]:
            problems += _security_problems(where, spec, container)
    for deployment, labels, spec, container in app_containers(objects):
        where, env = label_of(deployment), container_env(objects, container)
        writable = _writable_paths(spec, container)
        for path in (env.get("STATE_DIR"), "/tmp"):  # gunicorn heartbeat files, Python temp files
            if path is None or PurePosixPath(path) not in writable:
                problems.append(f"{where}: {path} is not a writable emptyDir")
        if labels.get(COMPONENT) in ("gateway", "metadata"):
            problems += _channel_problems(objects, where, container, env)
    return problems


def _channel_problems(objects: Manifests, where: str, container: dict, env: dict) -> list[str]:
    text = channels_text(objects, container)
    if text is None:
        return [f"{where}: GATEWAY_CHANNELS_FILE is not a file of a mounted ConfigMap"]
    channels = parse_channels(text, REPO, dict.fromkeys(env, "x"))
    problems = []
    for channel in channels.values():
        if channel.url.startswith("file://"):
            path = PurePosixPath(channel.url.removeprefix("file://"))
            inside = path.is_relative_to(IMAGE_ROOT) and REPO / path.relative_to(IMAGE_ROOT)
            if not inside or not inside.is_dir():
                problems.append(f"{where}: channel {channel.name} reads {path}, not in the image")
    return problems


def check_scaling_and_ingress(objects: Manifests, secret: Obj) -> list[str]:
    """HPAs and PDBs target real Deployments; the Ingress reaches the edge Service only."""
    problems = []
    deployments = {d["metadata"]["name"]: labels for d, labels, _ in pods(objects)}
    for hpa in of_kind(objects, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        if target["kind"] != "Deployment" or target["name"] not in deployments:
            problems.append(f"HPA/{hpa['metadata']['name']}: no Deployment {target['name']}")
        elif "replicas" in named(objects, "Deployment", target["name"])["spec"]:
            # every `kubectl apply` would reset what the autoscaler chose
            problems.append(f"Deployment/{target['name']} sets replicas, but an HPA owns them")
    for pdb in of_kind(objects, "PodDisruptionBudget"):
        if not any(selects(pdb["spec"]["selector"], labels) for labels in deployments.values()):
            problems.append(f"PDB/{pdb['metadata']['name']}: selects no pods")
    for ingress in of_kind(objects, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = named(objects, "Service", backend["name"])
                if service is None:
                    problems.append(f"Ingress: no Service {backend['name']}")
                    continue
                components = {lb.get(COMPONENT) for _, lb in service_targets(objects, service)}
                if components != {"edge"}:
                    problems.append(f"Ingress: exposes {sorted(map(str, components))}")
                port = backend["port"].get("name") or backend["port"].get("number")
                known = [p.get("name") for p in service["spec"]["ports"]]
                if port not in known + [p["port"] for p in service["spec"]["ports"]]:
                    problems.append(f"Ingress: Service {backend['name']} has no port {port}")
    return problems


MONITORING = {"matchLabels": {NAMESPACE_LABEL: "monitoring"}}


def check_metrics(objects: Manifests, secret: Obj) -> list[str]:
    """Every app pod serves metrics on a `metrics` port (METRICS_BIND), not the http port; no
    Service exposes it; only the monitoring namespace may reach it."""
    problems = []
    for deployment, _, _, container in app_containers(objects):
        where, env = label_of(deployment), container_env(objects, container)
        bind = env.get("METRICS_BIND") or ""
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        if not bind or ports.get("metrics") != int(bind.rpartition(":")[2] or 0):
            problems.append(f"{where}: METRICS_BIND {bind!r} is not its `metrics` port")
        if bind and ports.get("http") == int(bind.rpartition(":")[2] or 0):
            problems.append(f"{where}: metrics on the http port")
    for service in of_kind(objects, "Service"):
        for port in service["spec"]["ports"]:
            if port.get("targetPort") in ("metrics", 9100):
                problems.append(f"Service/{service['metadata']['name']}: exposes metrics")
    for policy in of_kind(objects, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            if not any(p.get("port") in ("metrics", 9100) for p in rule.get("ports", [])):
                continue
            peers = rule.get("from", [])
            if not peers or any(peer.get("namespaceSelector") != MONITORING for peer in peers):
                problems.append(f"NetworkPolicy/{policy['metadata']['name']}: metrics open")
    return problems


EDGE_FILES = ("nginx.conf", "edge-http.conf", "edge-server.conf")
EDGE_DIR = REPO / "deploy" / "k8s" / "base" / "edge"


def check_edge(objects: Manifests, secret: Obj) -> list[str]:
    """The edge runs the official nginx image with the repo's edge files (those `make
    cluster` runs) from its ConfigMap, and proxies to the Service of the gateway."""
    deployment = named(objects, "Deployment", "edge")
    if deployment is None:
        return ["no Deployment/edge"]
    spec = deployment["spec"]["template"]["spec"]
    container = spec["containers"][0]
    problems = []
    if not container["image"].startswith("nginx:"):
        problems.append(f"Deployment/edge: image {container['image']} is not the official nginx")
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    volume = next((v for v in spec["volumes"] if v["name"] == mounts.get("/etc/nginx/edge")), {})
    config = named(objects, "ConfigMap", volume.get("configMap", {}).get("name", ""))
    data = (config or {}).get("data", {})
    for name in EDGE_FILES:
        if data.get(name) != (EDGE_DIR / name).read_text():
            problems.append(f"Deployment/edge: /etc/nginx/edge/{name} is not the repo's {name}")
    if "/etc/nginx/edge/nginx.conf" not in container.get("args", []):
        problems.append("Deployment/edge: nginx does not run /etc/nginx/edge/nginx.conf")
    upstream = re.search(r"server ([a-z0-9-]+):(\d+)", data.get("nginx.conf", ""))
    service = upstream and named(objects, "Service", upstream.group(1))
    if not service or int(upstream.group(2)) not in [p["port"] for p in service["spec"]["ports"]]:
        problems.append("Deployment/edge: its upstream is not a Service port")
    elif {lb.get(COMPONENT) for _, lb in service_targets(objects, service)} != {"gateway"}:
        problems.append(f"Deployment/edge: upstream Service {upstream.group(1)} is not the gateway")
    for path in ("/tmp", "/var/cache/nginx"):
        if PurePosixPath(path) not in _writable_paths(spec, container):
            problems.append(f"Deployment/edge: {path} is not a writable emptyDir")
    return problems

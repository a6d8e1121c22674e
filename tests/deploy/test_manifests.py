"""The kustomize overlays render, validate against the Kubernetes schemas and match the code."""

from __future__ import annotations

import copy
from collections.abc import Callable

import kubernetes_validate
import pytest

from tests.deploy import crosscheck
from tests.deploy import policies
from tests.deploy import vulns_checks
from tests.deploy.manifests import COMPONENT
from tests.deploy.manifests import OVERLAYS
from tests.deploy.manifests import Manifests
from tests.deploy.manifests import named
from tests.deploy.manifests import of_kind
from tests.deploy.manifests import render
from tests.deploy.manifests import secret_template

CHECKS = (
    crosscheck.check_env_names,
    crosscheck.check_secrets_and_configs,
    crosscheck.check_processes,
    crosscheck.check_services,
    crosscheck.check_urls,
    policies.check_network,
    policies.check_workloads,
    policies.check_scaling_and_ingress,
    policies.check_metrics,
    policies.check_edge,
    vulns_checks.check_vulns_database,
)
KINDS = {
    "Namespace",
    "ServiceAccount",
    "ConfigMap",
    "Deployment",
    "Service",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Ingress",
    "NetworkPolicy",
}


def problems(objects: Manifests) -> list[str]:
    """Every cross-check's problems with these rendered objects."""
    secret = secret_template()
    return [problem for check in CHECKS for problem in check(objects, secret)]


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request) -> tuple[str, Manifests]:
    return request.param, render(request.param)


def test_overlays_render_every_kind_into_their_namespace(rendered):
    overlay, objects = rendered
    # prod shares one vulnerability database: a claim and the CronJob that rebuilds it
    extra = {"PersistentVolumeClaim", "CronJob"} if overlay == "prod" else set()
    assert {o["kind"] for o in objects} == KINDS | extra
    namespace = "conda-badges-dev" if overlay == "dev" else "conda-badges"
    assert named(objects, "Namespace", namespace) is not None
    namespaced = [o for o in objects if o["kind"] != "Namespace"]
    assert {o["metadata"].get("namespace") for o in namespaced} == {namespace}
    deployments = {d["metadata"]["name"] for d in of_kind(objects, "Deployment")}
    assert deployments == {"edge", "gateway", "metadata", "badges", "sbom", "redis"}


def test_every_object_is_valid_against_the_kubernetes_schemas(rendered):
    _, objects = rendered
    for obj in [*objects, secret_template()]:
        kubernetes_validate.validate(obj, "1.37.0", strict=True)  # raises on any error


def test_overlays_pass_every_cross_check(rendered):
    _, objects = rendered
    assert problems(objects) == []


def test_overlays_differ_where_they_should():
    dev, prod = render("dev"), render("prod")
    image = {o["kind"]: o for o in dev}["Deployment"]["spec"]["template"]["spec"]
    assert image["containers"][0]["image"].endswith(":dev")
    gateway_prod = named(prod, "Deployment", "gateway")
    assert gateway_prod["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "ghcr.io/example/conda-badges:0.1.0"
    )
    assert named(prod, "HorizontalPodAutoscaler", "gateway")["spec"]["minReplicas"] == 3
    assert named(prod, "HorizontalPodAutoscaler", "badges")["spec"]["minReplicas"] == 2
    assert named(dev, "HorizontalPodAutoscaler", "gateway")["spec"]["minReplicas"] == 1
    assert named(prod, "Ingress", "gateway")["spec"]["tls"][0]["hosts"] == [
        "conda-badges.example.org"
    ]


def test_no_secret_value_is_rendered_or_committed():
    for overlay in OVERLAYS:
        assert of_kind(render(overlay), "Secret") == []
    values = secret_template()["stringData"].values()
    assert all(v.startswith("REPLACE") for v in values)


def test_the_secret_template_has_exactly_the_keys_the_overlays_read():
    used = {key for overlay in OVERLAYS for key in crosscheck.secret_keys_used(render(overlay))}
    assert used == set(secret_template()["stringData"])
    assert used == {"TOKEN_HS256_SECRET", "INTERNAL_API_KEY", "ANACONDA_TOKEN", "SBOM_SIGNING_KEY"}


def _container(objects: Manifests, name: str) -> dict:
    return named(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


def _wrong_probe(objects):
    _container(objects, "badges")["livenessProbe"]["httpGet"]["path"] = "/health"


def _readiness_on_liveness(objects):
    _container(objects, "sbom")["readinessProbe"]["httpGet"]["path"] = "/healthz"


def _unknown_env(objects):
    _container(objects, "gateway")["env"].append({"name": "GATEWAY_CACHE_ULR", "value": "x"})


def _wrong_port(objects):
    _container(objects, "gateway")["ports"][0]["containerPort"] = 8081


def _selector_typo(objects):
    named(objects, "Service", "sbom")["spec"]["selector"][COMPONENT] = "sbomm"


def _open_badges(objects):
    policy = named(objects, "NetworkPolicy", "badges-ingress")
    policy["spec"]["ingress"][0].pop("from")


def _redis_from_badges(objects):
    policy = named(objects, "NetworkPolicy", "redis-ingress")
    policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"][COMPONENT] = "badges"


def _gateway_closed(objects):
    policy = named(objects, "NetworkPolicy", "edge-ingress")
    ingress_controller = {"kubernetes.io/metadata.name": "ingress-nginx"}
    policy["spec"]["ingress"][0]["from"] = [
        {"namespaceSelector": {"matchLabels": ingress_controller}}
    ]


def _writable_root(objects):
    _container(objects, "sbom")["securityContext"]["readOnlyRootFilesystem"] = False


def _missing_state_dir(objects):
    spec = named(objects, "Deployment", "gateway")["spec"]["template"]["spec"]
    spec["containers"][0]["volumeMounts"] = [
        m for m in spec["containers"][0]["volumeMounts"] if m["name"] != "state"
    ]


def _wrong_process(objects):
    _container(objects, "badges")["args"] = ["sbom"]


def _secret_key_typo(objects):
    _container(objects, "gateway")["env"][1]["valueFrom"]["secretKeyRef"]["key"] = "INTERNAL_KEY"


def _gateway_url_to_badges(objects):
    config = next(c for c in of_kind(objects, "ConfigMap") if "GATEWAY_URL" in c["data"])
    config["data"]["GATEWAY_URL"] = "http://badges"


def _ingress_to_sbom(objects):
    named(objects, "Ingress", "gateway")["spec"]["rules"][0]["http"]["paths"][0]["backend"][
        "service"
    ]["name"] = "sbom"


def _replicas_beside_hpa(objects):
    named(objects, "Deployment", "sbom")["spec"]["replicas"] = 3


def _channel_outside_image(objects):
    config = next(c for c in of_kind(objects, "ConfigMap") if "channels.toml" in c["data"])
    config["data"]["channels.toml"] += '[channels.x]\nurl = "file:/srv/x"\n'


def _metrics_open(objects):
    policy = named(objects, "NetworkPolicy", "metrics-from-monitoring")
    policy["spec"]["ingress"][0]["from"] = [{"namespaceSelector": {}}]


def _metrics_on_http(objects):
    config = next(c for c in of_kind(objects, "ConfigMap") if "METRICS_BIND" in c["data"])
    config["data"]["METRICS_BIND"] = "0.0.0.0:8080"


def _ingress_to_gateway(objects):
    ingress = of_kind(objects, "Ingress")[0]
    ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "gateway"


def _gateway_open(objects):
    policy = named(objects, "NetworkPolicy", "gateway-ingress")
    policy["spec"]["ingress"][0].pop("from")


def _edge_config_drift(objects):
    config = next(c for c in of_kind(objects, "ConfigMap") if "edge-http.conf" in c["data"])
    config["data"]["edge-http.conf"] = config["data"]["edge-http.conf"].replace("token", "tok")


def _edge_to_badges(objects):
    config = next(c for c in of_kind(objects, "ConfigMap") if "nginx.conf" in c["data"])
    config["data"]["nginx.conf"] = config["data"]["nginx.conf"].replace("gateway:80", "badges:80")


BREAKAGES: dict[str, tuple[Callable[[Manifests], None], str]] = {
    "ingress past the edge": (_ingress_to_gateway, "Ingress: exposes ['gateway']"),
    "gateway open to all": (_gateway_open, "outside can reach gateway"),
    "edge config drift": (_edge_config_drift, "edge-http.conf is not the repo's"),
    "edge upstream": (_edge_to_badges, "upstream Service badges is not the gateway"),
    "metrics from anywhere": (_metrics_open, "NetworkPolicy/metrics-from-monitoring: metrics open"),
    "metrics on the http port": (_metrics_on_http, "metrics on the http port"),
    "liveness probe path": (_wrong_probe, "livenessProbe path /health reaches None"),
    "readiness on /healthz": (_readiness_on_liveness, "reaches health.healthz, not health.readyz"),
    "env var typo": (_unknown_env, "env GATEWAY_CACHE_ULR is not a setting"),
    "container port": (_wrong_port, "containerPort http 8081 but binds 8080"),
    "service selector": (_selector_typo, "Service/sbom: selects the pods of []"),
    "badges open to all": (_open_badges, "outside can reach badges"),
    "redis from badges": (_redis_from_badges, "gateway cannot reach redis"),
    "edge only from ingress": (_gateway_closed, "badges cannot reach edge"),
    "writable root": (_writable_root, "has a writable root filesystem"),
    "no STATE_DIR volume": (_missing_state_dir, "/var/lib/conda-badges is not a writable emptyDir"),
    "wrong process": (_wrong_process, "args ['sbom'] for component badges"),
    "secret key typo": (_secret_key_typo, "no secret key conda-badges-secrets/INTERNAL_KEY"),
    "gateway url": (_gateway_url_to_badges, "GATEWAY_URL=http://badges: Service badges selects"),
    "ingress to sbom": (_ingress_to_sbom, "Ingress: exposes ['sbom']"),
    "replicas and an HPA": (_replicas_beside_hpa, "Deployment/sbom sets replicas"),
    "channel not in image": (_channel_outside_image, "channel x reads /srv/x, not in the image"),
}


@pytest.fixture(scope="module")
def dev_objects() -> Manifests:
    return render("dev")


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_a_broken_manifest_fails_the_cross_checks(dev_objects, breakage):
    objects = copy.deepcopy(dev_objects)
    mutate, expected = BREAKAGES[breakage]
    mutate(objects)
    found = problems(objects)
    assert any(expected in problem for problem in found), found

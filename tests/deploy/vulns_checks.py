"""Cross-check: every gateway replica reads one vulnerability database, which something builds."""

from __future__ import annotations

from pathlib import PurePosixPath

from tests.deploy.crosscheck import label_of
from tests.deploy.manifests import APP_IMAGE
from tests.deploy.manifests import COMPONENT
from tests.deploy.manifests import Manifests
from tests.deploy.manifests import Obj
from tests.deploy.manifests import app_containers
from tests.deploy.manifests import container_env
from tests.deploy.manifests import dockerfile_env
from tests.deploy.manifests import named
from tests.deploy.manifests import of_kind

GATEWAYS = ("gateway", "metadata")


def _claim_at(spec: dict, container: dict, folder: PurePosixPath) -> tuple[str | None, bool]:
    """(the PVC claim mounted at `folder`, whether read-only) in a pod's container."""
    for mount in container.get("volumeMounts", []):
        if PurePosixPath(mount["mountPath"]) == folder:
            volume = next(v for v in spec.get("volumes", []) if v["name"] == mount["name"])
            claim = volume.get("persistentVolumeClaim", {}).get("claimName")
            return claim, bool(mount.get("readOnly"))
    return None, False


def _sync_jobs(objects: Manifests) -> list[tuple[Obj, dict, dict]]:
    """(CronJob, pod spec, container) for CronJobs that run `conda-badges-vulns sync`."""
    found = []
    for job in of_kind(objects, "CronJob"):
        spec = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        for container in spec["containers"]:
            args = container.get("args", [])
            if args[:2] == ["conda-badges-vulns", "sync"]:
                found.append((job, spec, container))
    return found


def check_vulns_database(objects: Manifests, secret: Obj) -> list[str]:
    """All gateway replicas read the same VULNS_DB: the image's embedded database, or a file
    on a ReadWriteMany claim that a CronJob's `sync --out` writes and the gateways mount."""
    problems = []
    paths = {}
    for deployment, labels, spec, container in app_containers(objects):
        if labels.get(COMPONENT) in GATEWAYS:
            path = container_env(objects, container).get("VULNS_DB") or dockerfile_env()["VULNS_DB"]
            paths[label_of(deployment)] = (PurePosixPath(path), spec, container)
    if len({p for p, _, _ in paths.values()}) != 1:
        return [f"gateway replicas read different VULNS_DB files: {sorted(map(str, paths))}"]
    path = next(iter(paths.values()))[0]
    if str(path) == dockerfile_env()["VULNS_DB"]:
        return []  # the database built into the image: every replica of one image has it
    jobs = _sync_jobs(objects)
    writers = []
    for job, spec, container in jobs:
        args = container["args"]
        out = PurePosixPath(args[args.index("--out") + 1]) if "--out" in args else None
        if not container["image"].split("@")[0].rsplit(":", 1)[0].endswith(APP_IMAGE):
            problems.append(f"CronJob/{job['metadata']['name']}: does not run our image")
        if out == path:
            claim, _ = _claim_at(spec, container, path.parent)
            writers.append(claim)
    if not writers or None in writers:
        problems.append(f"no CronJob writes VULNS_DB {path} to a mounted volume claim")
        return problems
    (claim,) = set(writers)
    pvc = named(objects, "PersistentVolumeClaim", claim)
    if pvc is None or "ReadWriteMany" not in pvc["spec"].get("accessModes", []):
        problems.append(f"claim {claim} is missing or not ReadWriteMany (shared by replicas)")
    for where, (_, spec, container) in paths.items():
        mounted, read_only = _claim_at(spec, container, path.parent)
        if mounted != claim or not read_only:
            problems.append(f"{where}: does not mount claim {claim} read-only at {path.parent}")
    return problems

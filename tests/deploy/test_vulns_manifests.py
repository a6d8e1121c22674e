"""The vulnerability-database cross-check finds what would give replicas different answers."""

from __future__ import annotations

import copy

from tests.deploy.manifests import named
from tests.deploy.manifests import render
from tests.deploy.vulns_checks import check_vulns_database


def _container(objects, name):
    return named(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


def test_prod_shares_one_database_that_a_cronjob_builds_and_dev_uses_the_images():
    prod = render("prod")
    assert check_vulns_database(prod, {}) == []
    job = named(prod, "CronJob", "vulns-sync")
    args = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:2] == ["conda-badges-vulns", "sync"] and "--osv" in args and "--nvd" in args
    assert check_vulns_database(render("dev"), {}) == []


def test_a_replica_reading_another_file_or_an_unshared_volume_is_found():
    prod = render("prod")
    drifted = copy.deepcopy(prod)
    _container(drifted, "metadata").setdefault("env", []).append(
        {"name": "VULNS_DB", "value": "/var/lib/conda-badges/vulns.sqlite"}
    )
    assert check_vulns_database(drifted, {})
    unmounted = copy.deepcopy(prod)
    mounts = _container(unmounted, "gateway")["volumeMounts"]
    _container(unmounted, "gateway")["volumeMounts"] = [m for m in mounts if m["name"] != "vulns"]
    assert check_vulns_database(unmounted, {})
    single = copy.deepcopy(prod)
    named(single, "PersistentVolumeClaim", "vulns-db")["spec"]["accessModes"] = ["ReadWriteOnce"]
    assert check_vulns_database(single, {})
    unbuilt = [o for o in copy.deepcopy(prod) if o["kind"] != "CronJob"]
    assert check_vulns_database(unbuilt, {})

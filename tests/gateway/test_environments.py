"""`POST /api/environments/report|sbom` on the real gateway app with the embedded channels:
a lock pinning a served file gets the package page's CVEs and curation; limits and private
channels answer clearly."""

from __future__ import annotations

import base64
import hashlib
import io
import json

import jsonschema
import pytest
import yaml

from attestation import load_signing_key
from attestation import published_keys
from attestation.cli import main as verify_main
from environments.resolve import NOT_SERVED
from tests.conftest import CHANNELS
from tests.conftest import gateway_client
from tests.conftest import mint
from tests.environments.lockdata import MIRROR
from tests.environments.lockdata import ZLIB
from tests.environments.lockdata import channel_records
from tests.environments.lockdata import explicit

TRUNCATED_PIXI = (
    CHANNELS.parent / "lockfiles/pixi-lock/setup-pixi-bzip2-v6.pixi.lock"
).read_bytes()[:900]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return gateway_client(tmp_path_factory.mktemp("env-api"))


def test_a_served_file_reports_exactly_what_the_package_page_shows(api):
    record = channel_records("main", "linux-64")[ZLIB]
    body = explicit(MIRROR, "linux-64", {ZLIB: record})
    report = api.post("/api/environments/report", data=body).json
    (row,) = report["packages"]
    assert (row["channel"], row["origin"], row["sha256"]) == ("main", "channel", record["sha256"])
    page = api.get("/api/channels/main/artifacts/conda/zlib/cves").json["items"]
    expected = {
        item["id"]: entry["status"]
        for item in page
        for entry in item["files"]
        if (entry["filename"], entry["subdir"]) == (ZLIB, "linux-64")
    }
    assert expected  # zlib 1.2.11 has recorded CVEs, one of them cleared by the curation
    assert {c["id"]: c["status"] for c in row["cves"]} == expected
    assert "cleared" in expected.values()
    scores = {item["id"]: item["score"] for item in page}
    assert {c["id"]: c["score"] for c in row["cves"]} == {k: scores[k] for k in expected}


def test_a_raw_body_sent_as_a_form_is_read_as_the_lockfile(api):
    body = explicit(MIRROR, "linux-64", {ZLIB: channel_records("main", "linux-64")[ZLIB]})
    kind = "application/x-www-form-urlencoded"  # what `curl --data-binary` sends
    response = api.post("/api/environments/report", data=body, content_type=kind)
    assert response.status_code == 200 and response.json["packages"][0]["name"] == "zlib"


def test_a_changed_sha256_is_not_the_channel_file(api):
    record = dict(channel_records("main", "linux-64")[ZLIB], sha256="0" * 64)
    report = api.post(
        "/api/environments/report", data=explicit(MIRROR, "linux-64", {ZLIB: record})
    ).json
    (row,) = report["packages"]
    assert row["origin"] == "lock" and row["channel"] is None
    assert "another sha256" in row["note"]
    assert all(c["status"] != "cleared" for c in row["cves"])  # no channel curation applies


def _private_lock() -> bytes:
    records = channel_records("private", "linux-64")
    chosen = {"r-base-3.1.2-0.tar.bz2": records["r-base-3.1.2-0.tar.bz2"]}
    return explicit((CHANNELS / "private").as_uri(), "linux-64", chosen, anchor="md5")


def test_private_channel_facts_need_a_token_that_may_read_it(api):
    body = _private_lock()
    anonymous = api.post("/api/environments/report", data=body).json
    (row,) = anonymous["packages"]
    assert row["origin"] == "lock" and row["channel"] is None
    assert row["note"] == NOT_SERVED  # alike an unserved channel: nothing tells it is private
    token = mint("private")
    allowed = api.post(
        "/api/environments/report", data=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert allowed.status_code == 200 and allowed.json["packages"][0]["channel"] == "private"
    assert allowed.headers["Cache-Control"] == "private, no-store"
    other = api.post(
        "/api/environments/report", data=body, headers={"Authorization": f"Bearer {mint('main')}"}
    )
    assert other.status_code == 403 and other.json["error"]["code"] == "insufficient_scope"
    junk = api.post(
        "/api/environments/report", data=body, headers={"Authorization": "Bearer x.y.z"}
    )
    assert junk.status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"x" * (8 * 1024 * 1024 + 1), 413, "lockfile_too_large"),
        (b"x" * (50 * 1024 * 1024), 413, "lockfile_too_large"),
        (TRUNCATED_PIXI, 400, "invalid_lockfile"),
        (b"name: x\ndependencies:\n- python\n", 400, "not_a_lockfile"),
        (b"@EXPLICIT\nhttps://example.org/pkgs/linux-64/nonsense\n", 400, "invalid_lockfile"),
        (
            b"@EXPLICIT\ngopher://example.org/pkgs/linux-64/zlib-1.2.11-0.conda\n",
            400,
            "invalid_lockfile",
        ),
        (b"@EXPLICIT\nhttps:///pkgs/linux-64/zlib-1.2.11-0.conda\n", 400, "invalid_lockfile"),
        (b"@EXPLICIT\nhttps://example.org/pkgs/../zlib-1.2.11-0.conda\n", 400, "invalid_lockfile"),
    ],
)
def test_bad_input_is_a_clear_4xx(api, body, status, code):
    response = api.post("/api/environments/report", data=body)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)


def test_the_package_count_limit(tmp_path):
    small = gateway_client(tmp_path, ENVIRONMENTS_MAX_PACKAGES="10")
    body = explicit(MIRROR, "linux-64", channel_records("main", "linux-64"))
    assert small.post("/api/environments/report", data=body).status_code == 200
    records = channel_records("private", "linux-64")
    many = explicit("https://example.org/r", "linux-64", dict(list(records.items())[:11]), "md5")
    response = small.post("/api/environments/report", data=many)
    assert (response.status_code, response.json["error"]["code"]) == (413, "too_many_packages")


def test_unknown_environment_and_format(api):
    body = explicit(MIRROR, "linux-64", {ZLIB: channel_records("main", "linux-64")[ZLIB]})
    response = api.post("/api/environments/report?environment=dev", data=body)
    assert (
        response.status_code == 400 and "no environment 'dev'" in response.json["error"]["message"]
    )
    response = api.post("/api/environments/sbom?format=xml", data=body)
    assert response.status_code == 400


def _spec_version(predicate: dict) -> str:
    """The SPDX version a signed predicate states (2.3 in its JSON, 3.0.1 through the model)."""
    if "spdxVersion" in predicate:
        return predicate["spdxVersion"]
    spdx3, objects = _spdx3_objects(json.dumps(predicate).encode())
    (document,) = objects.foreach_type(spdx3.SpdxDocument)
    return document.creationInfo.specVersion


@pytest.mark.parametrize(("family", "version"), [("spdx", "SPDX-2.3"), ("spdx3", "3.0.1")])
def test_the_signed_sbom_verifies_with_conda_badges_verify_and_a_changed_byte_fails(
    api, tmp_path, family, version
):
    body = explicit(MIRROR, "linux-64", {ZLIB: channel_records("main", "linux-64")[ZLIB]})
    response = api.post(f"/api/environments/sbom?signed=1&format={family}", data=body)
    assert response.mimetype == "application/vnd.dsse.envelope.v1+json"
    settings = api.application.config["SETTINGS"]
    (tmp_path / "keys.json").write_text(json.dumps(published_keys(load_signing_key(settings))))
    (tmp_path / "env.intoto.json").write_bytes(response.data)
    (tmp_path / "explicit.txt").write_bytes(body)
    args = [str(tmp_path / "env.intoto.json"), "--keys", str(tmp_path / "keys.json")]
    assert verify_main([*args, "--artifact", str(tmp_path / "explicit.txt")]) == 0
    statement = json.loads(base64.b64decode(response.json["payload"]))
    assert _spec_version(statement["predicate"]) == version
    assert statement["subject"][0]["digest"]["sha256"] == hashlib.sha256(body).hexdigest()
    (tmp_path / "explicit.txt").write_bytes(body.replace(b"3.conda", b"3.condA"))
    assert verify_main([*args, "--artifact", str(tmp_path / "explicit.txt")]) == 1
    tampered = dict(
        response.json, payload=base64.b64encode(json.dumps(statement).encode()).decode()
    )
    (tmp_path / "env.intoto.json").write_text(json.dumps(tampered))
    assert verify_main([*args, "--sha256", hashlib.sha256(body).hexdigest()]) == 1


def test_the_report_is_what_the_openapi_document_says(api):
    spec = yaml.safe_load(api.get("/api/openapi.yaml").data)
    schema = {"$ref": "#/components/schemas/EnvironmentReport", "components": spec["components"]}
    body = explicit(MIRROR, "linux-64", channel_records("main", "linux-64"))
    report = api.post("/api/environments/report", data=body).json
    jsonschema.Draft202012Validator(schema).validate(report)
    assert {"/api/environments/report", "/api/environments/sbom"} <= set(spec["paths"])


def _spdx3_objects(text: bytes):
    from spdx_python_model.bindings import v3_0_1 as spdx3

    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().read(io.BytesIO(text), objects)
    return spdx3, objects


def test_spdx3_by_format_with_the_configured_creator(tmp_path):
    contact = "sbom-team@example.org"
    client = gateway_client(
        tmp_path, SBOM_CREATOR_NAME="Example SBOMs", SBOM_CREATOR_CONTACT=contact
    )
    body = explicit(MIRROR, "linux-64", {ZLIB: channel_records("main", "linux-64")[ZLIB]})
    response = client.post("/api/environments/sbom?format=spdx3", data=body)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/spdx+json; version=3.0.1"
    spdx3, objects = _spdx3_objects(response.data)
    (document,) = objects.foreach_type(spdx3.SpdxDocument)
    (creator,) = document.creationInfo.createdBy
    assert creator.name == "Example SBOMs"
    assert [i.identifier for i in creator.externalIdentifier] == [contact]
    (package,) = [p for p in objects.foreach_type(spdx3.software_Package) if p.name == "zlib"]
    assert package.software_packageUrl.startswith("pkg:conda/")


def test_the_time_limit_ends_with_its_request(api):
    """A worker thread serves other requests after an environment's: the limit the request
    started must not outlive it (a later report in the same thread read an expired one)."""
    from environments import deadline

    record = channel_records("main", "linux-64")[ZLIB]
    body = explicit(MIRROR, "linux-64", {ZLIB: record})
    assert api.post("/api/environments/report", data=body).status_code == 200
    assert deadline._DEADLINE.get() is None

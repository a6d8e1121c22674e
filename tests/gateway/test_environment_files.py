"""`?files=true` on environment SBOMs, on the real gateway app and the embedded channels: each
served package's files are nested under it, equal to paths.json of the real archive (read here
with zipfile/tarfile), bounded by ENVIRONMENTS_MAX_CONTENTS; what is not expanded says why."""

from __future__ import annotations

import json
import shutil

import jsonschema
import pytest
import yaml
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.json.json_parser import JsonLikeDictParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from tests.conftest import CHANNELS
from tests.conftest import gateway_client
from tests.conftest import mint
from tests.environments.lockdata import archive_paths
from tests.environments.lockdata import channel_records
from tests.environments.lockdata import explicit
from tests.processes import UpstreamServer

RECIPES = CHANNELS / "test-recipes" / "noarch"
CHOSEN = ("activate_deactivate_package-1.0-0.conda", "sample_noarch_python-1.0-py_0.conda")
PAST_LIMIT = "small-executable-1.0-0.conda"
LIMIT = 2


def _lock(unserved: bool = True) -> bytes:
    records = channel_records("test-recipes", "noarch")
    chosen = {name: records[name] for name in (*CHOSEN, PAST_LIMIT)}
    if unserved:  # another sha256 than the channel's file: judged from the lock alone
        chosen["dependency-2.0-0.conda"] = dict(records["dependency-2.0-0.conda"], sha256="0" * 64)
    return explicit((CHANNELS / "test-recipes").as_uri(), "noarch", chosen)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return gateway_client(
        tmp_path_factory.mktemp("env-files"), ENVIRONMENTS_MAX_CONTENTS=str(LIMIT)
    )


def _by_file(document: dict) -> dict:
    return {
        next(p["value"] for p in c["properties"] if p["name"] == "conda-badges:url").rsplit("/", 1)[
            1
        ]: c
        for c in document["components"]
    }


def _property(component: dict, name: str) -> str | None:
    return next((p["value"] for p in component["properties"] if p["name"] == name), None)


@pytest.mark.parametrize(
    ("spec", "schema"), [("1.6", SchemaVersion.V1_6), ("1.5", SchemaVersion.V1_5)]
)
def test_cyclonedx_file_components_are_the_archives_paths_json(api, spec, schema):
    response = api.post(f"/api/environments/sbom?files=true&spec_version={spec}", data=_lock())
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert JsonStrictValidator(schema).validate_str(text) is None
    components = _by_file(json.loads(text))
    for name in CHOSEN:
        nested = components[name].get("components", [])
        assert [c["name"] for c in nested] == archive_paths(RECIPES / name)
        assert all(c["type"] == "file" and c["hashes"] for c in nested)
        assert _property(components[name], "conda-badges:files") == "expanded"


def test_past_the_limit_and_unserved_packages_say_why_they_are_not_expanded(api):
    document = api.post("/api/environments/sbom?files=true", data=_lock()).json
    components = _by_file(document)
    expanded = [n for n, c in components.items() if c.get("components")]
    assert len(expanded) == LIMIT  # the channel's files, in the report's order, up to the bound
    past = components[PAST_LIMIT]
    assert "components" not in past and archive_paths(RECIPES / PAST_LIMIT)
    assert _property(past, "conda-badges:files") == "not-expanded"
    assert f"limit of {LIMIT}" in _property(past, "conda-badges:files:reason")
    unserved = components["dependency-2.0-0.conda"]
    assert _property(unserved, "conda-badges:files") == "not-expanded"
    assert "from the lock" in _property(unserved, "conda-badges:files:reason")
    report = api.post("/api/environments/report?files=true", data=_lock()).json
    listed = {item["key"] for item in report["files"]["not_expanded"]}
    assert listed == {r["key"] for r in report["packages"] if not r["files"]["expanded"]}
    assert len(listed) == len(report["packages"]) - LIMIT


def test_spdx_files_are_contained_in_their_package_and_valid(api):
    response = api.post("/api/environments/sbom?files=true&format=spdx", data=_lock())
    data = response.json
    assert validate_full_spdx_document(JsonLikeDictParser().parse(data)) == []
    ids = {f["SPDXID"]: f["fileName"] for f in data["files"]}
    for name in CHOSEN:
        (package,) = [p for p in data["packages"] if p.get("packageFileName") == name]
        contained = [
            ids[r["relatedSpdxElement"]]
            for r in data["relationships"]
            if r["spdxElementId"] == package["SPDXID"] and r["relationshipType"] == "CONTAINS"
        ]
        assert contained == [f"./{p}" for p in archive_paths(RECIPES / name)]
        assert package["filesAnalyzed"] is True
    (past,) = [p for p in data["packages"] if p.get("packageFileName") == PAST_LIMIT]
    assert past["filesAnalyzed"] is False and "files not expanded" in past["comment"]


def test_files_are_off_by_default_and_the_flag_is_checked(api):
    document = api.post("/api/environments/sbom", data=_lock()).json
    assert not any(c.get("components") for c in document["components"])
    assert not any(_property(c, "conda-badges:files") for c in document["components"])
    bad = api.post("/api/environments/sbom?files=maybe", data=_lock())
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_parameter"


def test_a_watched_environments_sbom_url_takes_files(api):
    stored = api.post(
        "/api/environments", data=_lock(), headers={"Authorization": f"Bearer {mint('main')}"}
    ).json
    document = api.get(stored["urls"]["cyclonedx"] + "&files=true").json
    nested = _by_file(document)[CHOSEN[0]]["components"]
    assert [c["name"] for c in nested] == archive_paths(RECIPES / CHOSEN[0])


def test_the_tar_bz2_reading_agrees_with_the_conda_one():
    main = CHANNELS / "main" / "linux-64"
    conda = archive_paths(main / "zlib-1.2.11-h7b6447c_3.conda")
    assert conda and conda == archive_paths(main / "zlib-1.2.11-h7b6447c_3.tar.bz2")


@pytest.mark.parametrize(("budget", "expanded"), [("8", 0), ("40", 3)])
def test_contents_reads_spend_the_upstream_budget(tmp_path, budget, expanded):
    """Over loopback HTTP (real archives), each archive read spends the request's upstream
    budget; a request that runs out still answers, and says so per package."""
    shutil.copytree(CHANNELS / "test-recipes", tmp_path / "up" / "remote")
    upstream = UpstreamServer(root=tmp_path / "up")
    try:
        channels = tmp_path / "channels.toml"
        channels.write_text(f'[channels.remote]\ndriver = "conda"\nurl = "{upstream.url}/remote"\n')
        api = gateway_client(
            tmp_path / "state",
            GATEWAY_CHANNELS_FILE=str(channels),
            UPSTREAM_REQUEST_BUDGET=budget,
            RATE_LIMIT="off",
        )
        records = channel_records("test-recipes", "noarch")
        body = explicit(
            f"{upstream.url}/remote", "noarch", {n: records[n] for n in (*CHOSEN, PAST_LIMIT)}
        )
        response = api.post("/api/environments/report?files=true", data=body)
        archives = upstream.count(".conda")
    finally:
        upstream.close()
    assert response.status_code == 200
    rows = response.json["packages"]
    assert [r["origin"] for r in rows] == ["channel"] * 3  # the channel's repodata was read
    assert sum(r["files"]["expanded"] for r in rows) == expanded
    for row in rows:
        if not row["files"]["expanded"]:
            assert "upstream_budget_exhausted" in row["files"]["reason"]
        else:
            assert [e["path"] for e in row["files"]["paths"]] == archive_paths(
                RECIPES / row["filename"]
            )
    assert (archives > 0) == (expanded > 0)


def test_the_openapi_document_names_files_and_the_timeout(api):
    spec = yaml.safe_load(api.get("/api/openapi.yaml").data)
    paths = spec["paths"]
    routes = [
        ("/api/environments/report", "post"),
        ("/api/environments/sbom", "post"),
        ("/api/environments/{lock_id}/report", "get"),
        ("/api/environments/{lock_id}/sbom", "get"),
    ]
    for path, method in routes:
        operation = paths[path][method]
        names = {p.get("$ref", "").rsplit("/", 1)[-1] for p in operation["parameters"]}
        assert "files" in names, path
        assert operation["responses"]["503"]["$ref"].endswith("/EnvironmentUnavailable"), path
    unavailable = spec["components"]["responses"]["EnvironmentUnavailable"]
    assert "environment_timeout" in unavailable["description"]
    assert "Retry-After" in unavailable["headers"]


def test_a_report_with_files_is_what_the_openapi_document_says(api):
    spec = yaml.safe_load(api.get("/api/openapi.yaml").data)
    schema = {"$ref": "#/components/schemas/EnvironmentReport", "components": spec["components"]}
    schema["components"]["schemas"]["EnvironmentPackage"]["required"].append("files")
    schema["components"]["schemas"]["EnvironmentReport"]["required"].append("files")
    report = api.post("/api/environments/report?files=true", data=_lock()).json
    jsonschema.Draft202012Validator(schema).validate(report)

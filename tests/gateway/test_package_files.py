"""The metadata API's contents and batch endpoints (the real gateway app, Flask test client,
real channel data); private-channel access is checked like the single endpoints."""

from __future__ import annotations

import json

import pytest

from services.sbom.resolve import best_match
from tests.conftest import CHANNELS
from tests.conftest import gateway_client
from tests.conftest import mint

BATCH = "/api/channels/{channel}/batch/files"
RSTUDIO = "rstudio-1.1.423-hcfd39f1_0.tar.bz2"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return gateway_client(tmp_path_factory.mktemp("state"), RATE_LIMIT="off")


def _bearer(channels="private") -> dict:
    return {"Authorization": f"Bearer {mint(channels, audience='api')}"}


def _repodata(channel: str, subdir: str) -> dict:
    document = json.loads((CHANNELS / channel / subdir / "repodata.json").read_text())
    return {**document.get("packages", {}), **document.get("packages.conda", {})}


def test_batch_answers_one_item_per_spec_with_the_matching_files(client):
    body = {"specs": ["libgcc-ng >=7.3.0", "vc >=14.1,<15.0a0", "nope"], "subdir": "win-64"}
    response = client.post(BATCH.format(channel="main"), json=body)
    assert response.status_code == 200
    answer = response.get_json()
    assert [(i["spec"], i["name"], i["found"]) for i in answer["items"]] == [
        ("libgcc-ng >=7.3.0", "libgcc-ng", True),
        ("vc >=14.1,<15.0a0", "vc", True),
        ("nope", "nope", False),
    ]
    assert answer["items"][0]["files"] == []  # libgcc-ng is linux-64 only: nothing for win-64
    records = _repodata("main", "win-64")
    expected = sorted(f for f, r in records.items() if r["name"] == "vc" and r["version"] == "14.1")
    assert sorted(f["filename"] for f in answer["items"][1]["files"]) == expected


def test_select_best_is_the_file_the_sbom_resolver_picks(client):
    headers = _bearer()
    depends = _repodata("private", "linux-64")[RSTUDIO]["depends"]
    everything = client.post(
        BATCH.format(channel="private"),
        json={"specs": depends, "subdir": "linux-64"},
        headers=headers,
    ).get_json()["items"]
    best = client.post(
        BATCH.format(channel="private"),
        json={"specs": depends, "subdir": "linux-64", "select": "best"},
        headers=headers,
    ).get_json()["items"]
    assert len(best) == len(depends) == 47
    for spec, every, chosen in zip(depends, everything, best, strict=True):
        expected = best_match(spec, every["files"], "linux-64")
        assert chosen["files"] == ([expected] if expected else []), spec
    assert sum(len(i["files"]) for i in best) < sum(len(i["files"]) for i in everything)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "the body must be JSON"),
        ("[]", "must be a JSON object"),
        ('{"specs": []}', "non-empty list"),
        ('{"specs": "zlib"}', "non-empty list"),
        ('{"specs": [1]}', "specs[0] must be a non-empty string"),
        ('{"specs": ["zlib", ""]}', "specs[1] must be a non-empty string"),
        ('{"specs": ["zlib"], "subdir": 64}', "subdir must be a string"),
        ('{"specs": ["zlib"], "select": "worst"}', "select must be all"),
        ('{"specs": ["zlib"], "extra": 1}', "unknown field(s) extra"),
        ('{"specs": ["zlib ~~1"]}', "is not a valid match spec"),
        (json.dumps({"specs": ["zlib"] * 501}), "at most 500 specs"),
        (json.dumps({"specs": ["x" * 300]}), "at most 255 printable characters"),
        ("[" * 5000 + "]" * 5000, "the body must be JSON"),
        ('{"specs": ' + "[" * 7000 + "]" * 7000 + "}", "the body must be JSON"),
        (b"\xff\xfe", "the body must be JSON"),
    ],
    ids=lambda v: v[:40] if isinstance(v, str) else repr(v)[:40],
)
def test_bad_batches_are_400_with_a_clear_message(client, body, message):
    response = client.post(BATCH.format(channel="main"), data=body, content_type="application/json")
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and message in error["message"]


def test_batch_checks_names_and_methods(client):
    response = client.post(BATCH.format(channel="main"), json={"specs": ["../etc >=1"]})
    assert response.status_code == 400
    response = client.get(BATCH.format(channel="main"))
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


def test_batch_on_a_private_channel_is_exactly_like_the_single_endpoints(client):
    body = {"specs": ["r-base"], "subdir": "linux-64"}
    single = client.get("/api/channels/private/artifacts/conda/r-base/files")
    batch = client.post(BATCH.format(channel="private"), json=body)
    assert (single.status_code, single.get_json()) == (batch.status_code, batch.get_json())
    assert batch.status_code == 404
    wrong = {"Authorization": f"Bearer {mint('main', audience='api')}"}
    single = client.get("/api/channels/private/artifacts/conda/r-base/files", headers=wrong)
    batch = client.post(BATCH.format(channel="private"), json=body, headers=wrong)
    assert single.status_code == batch.status_code == 403
    batch = client.post(BATCH.format(channel="private"), json=body, headers=_bearer())
    assert batch.status_code == 200
    assert batch.headers["Cache-Control"] == "private, no-store"


def test_contents_of_a_local_archive(client):
    url = "/api/channels/main/artifacts/conda/zlib/contents"
    response = client.get(f"{url}?subdir=linux-64&filename=zlib-1.2.11-h7b6447c_3.conda")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["channel"], body["subdir"], body["filename"]) == (
        "main",
        "linux-64",
        "zlib-1.2.11-h7b6447c_3.conda",
    )
    assert body["archive"]["sha256_verified"] and body["path_count"] == len(body["paths"]) == 7
    short = client.get(f"{url}?subdir=linux-64&filename=zlib-1.2.11-h7b6447c_3.conda&paths=false")
    assert short.get_json()["paths"] is None and short.get_json()["path_count"] == 7


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("", 400, "invalid_parameter"),
        ("?subdir=linux-64", 400, "invalid_parameter"),
        ("?subdir=linux-64&filename=zlib.zip", 400, "invalid_name"),
        ("?subdir=linux-64&filename=zlib-9-h0_0.conda", 404, "file_not_found"),
        ("?subdir=linux-64&filename=libgcc-ng-8.2.0-hdf63c60_1.tar.bz2", 404, "file_not_found"),
        (
            "?subdir=linux-64&filename=zlib-1.2.11-h7b6447c_3.conda&paths=maybe",
            400,
            "invalid_parameter",
        ),
    ],
)
def test_contents_errors(client, query, status, code):
    response = client.get("/api/channels/main/artifacts/conda/zlib/contents" + query)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_contents_of_a_file_without_an_archive_is_unavailable(client):
    url = "/api/channels/main/artifacts/conda/libgcc-ng/contents"
    response = client.get(f"{url}?subdir=linux-64&filename=libgcc-ng-8.2.0-hdf63c60_1.tar.bz2")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "contents_unavailable"
    private = "/api/channels/private/artifacts/conda/r-base/contents"
    query = "?subdir=linux-64&filename=r-base-3.4.2-haf99962_0.tar.bz2"
    assert client.get(private + query).status_code == 404
    response = client.get(private + query, headers=_bearer())
    assert response.get_json()["error"]["code"] == "contents_unavailable"


def test_names_past_the_upstream_budget_are_deferred_not_reported_missing(client):
    from common.upstream_budget import exhausted
    from gateway.package_files import DEFERRED
    from gateway.package_files import packages

    app = client.application
    with app.test_request_context():
        conda = app.extensions["catalog"].driver("main")

        class TwoThenSpent:  # a driver whose request runs out of upstream requests
            channel = conda.channel
            asked: list[str] = []

            def package(self, name, subchannel):
                self.asked.append(name)
                if len(self.asked) > 2:
                    raise exhausted(2)
                return conda.package(name, subchannel)

        wanted = ["zlib", "nope", "libgcc-ng", "zlib", "xz"]
        found = packages(TwoThenSpent(), wanted, None)
        assert found["zlib"] is packages(conda, ["zlib"], None)["zlib"]
        assert found["nope"] is None
        assert found["libgcc-ng"] is DEFERRED and found["xz"] is DEFERRED

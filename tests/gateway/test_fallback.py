"""The fallback upstream in process: loopback hosts shaped like conda.anaconda.org (sharded
channels) and api.anaconda.org (the real recorded `anaconda/pytest` response)."""

import random
import shutil
import string

import pytest

from common.settings import Settings
from gateway import create_app
from gateway.upstream import MAX_PARSED_DOCUMENTS
from tests.conftest import DATA
from tests.conftest import RECORDED
from tests.conftest import mint
from tests.gateway.channels import rattler_channel
from tests.processes import UpstreamServer

SUBDIRS = "noarch,linux-64,osx-64,win-32,win-64"


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    """(conda host, API host): sharded channels `forge`, `forge2`..., and anaconda/pytest."""
    root = tmp_path_factory.mktemp("conda-host")
    sharded, _ = rattler_channel("main", tmp_path_factory.mktemp("made"))
    for name in ("forge", "forge2", "forge3", "forge4"):
        shutil.copytree(sharded, root / name)
    conda = UpstreamServer(root=root)
    api = UpstreamServer(
        routes={"/package/anaconda/pytest": RECORDED / "anaconda-api/package/anaconda/pytest.json"}
    )
    yield conda, api
    conda.close()
    api.close()


def make_app(tmp_path, conda, api, **extra):
    """The gateway app on the embedded default, with the fallback upstream on (or not)."""
    environ = {
        "STATE_DIR": str(tmp_path / "state"),
        "GATEWAY_CHANNELS_FILE": str(DATA / "channels.toml"),
        "GATEWAY_FALLBACK_UPSTREAM": conda.url,
        "GATEWAY_FALLBACK_API": api.url,
        "GATEWAY_FALLBACK_SUBDIRS": SUBDIRS,
        "RATE_LIMIT": "off",
        "TOKEN_HS256_SECRET": "x" * 32,
        **extra,
    }
    return create_app(Settings.from_env(environ))


@pytest.fixture
def reset(hosts):
    for server in hosts:
        server.hits.clear()
    return hosts


def test_a_sharded_channel_not_in_the_config(tmp_path, reset):
    conda, api = reset
    client = make_app(tmp_path, conda, api).test_client()
    response = client.get("/api/channels/forge/artifacts/conda/zlib")
    assert response.status_code == 200
    body = response.get_json()
    assert body["latest_version"] == "1.2.11"
    assert body["platforms"] == ["linux-64", "osx-64", "win-32", "win-64"]
    files = client.get("/api/channels/forge/artifacts/conda/zlib/files").get_json()["items"]
    assert files and all(f["download_url"].startswith(f"{conda.url}/forge/") for f in files)
    assert not api.hits
    assert not any("repodata.json" in path for path in conda.hits)
    assert sum(1 for p in conda.hits if "/shards/" in p) == 4  # zlib, once per subdir with it
    assert client.get("/api/channels/forge/artifacts/conda/numpy").status_code == 404


def test_an_api_channel_not_in_the_config(tmp_path, reset):
    conda, api = reset
    client = make_app(tmp_path, conda, api).test_client()
    response = client.get("/api/channels/anaconda/artifacts/conda/pytest")
    assert response.status_code == 200
    assert response.get_json()["download_count"] > 0  # downloads come from the API
    assert conda.hits == {"/anaconda/noarch/repodata_shards.msgpack.zst": 1}
    assert api.hits == {"/package/anaconda/pytest": 1}


@pytest.mark.parametrize("name", ["private", "PRIVATE", "Private", "main", "metrics", "t", "api"])
def test_private_configured_and_reserved_names_are_never_looked_up(tmp_path, reset, name):
    conda, api = reset
    client = make_app(tmp_path, conda, api).test_client()
    response = client.get(f"/api/channels/{name}/artifacts/conda/r-base")
    assert response.status_code in (200, 404)
    if name != "main":
        assert response.status_code == 404
    assert not conda.hits and not api.hits


def test_a_thousand_unknown_channels_leave_bounded_state(tmp_path, reset):
    conda, api = reset
    app = make_app(tmp_path, conda, api)
    client = app.test_client()
    rng = random.Random(15)
    names = ["".join(rng.choices(string.ascii_lowercase, k=12)) for _ in range(1000)]
    for name in names:
        response = client.get(f"/api/channels/{name}/artifacts/conda/zlib")
        assert response.status_code == 404
        assert name in response.get_json()["error"]["message"]
    # one look-up per host each: the conda host's shard index, then the API
    assert sum(conda.hits.values()) == 1000 and max(conda.hits.values()) == 1
    assert sum(api.hits.values()) == 1000 and max(api.hits.values()) == 1
    catalog = app.extensions["catalog"]
    state = catalog.fallback.state()
    assert state["channels"] == 0  # channels that never had data keep no state
    assert state["documents"] <= MAX_PARSED_DOCUMENTS
    before = (sum(conda.hits.values()), sum(api.hits.values()))
    for name in names[:200]:
        assert client.get(f"/api/channels/{name}/artifacts/conda/zlib").status_code == 404
    assert (sum(conda.hits.values()), sum(api.hits.values())) == before  # cached 404s


def test_channels_beyond_the_caps_are_dropped_least_recent_first(tmp_path, reset):
    conda, api = reset
    app = make_app(tmp_path, conda, api, GATEWAY_FALLBACK_MAX_CHANNELS="2")
    client = app.test_client()
    for name in ("forge", "forge2", "forge", "forge3"):  # forge read again: forge2 goes
        assert client.get(f"/api/channels/{name}/artifacts/conda/zlib").status_code == 200
    fallback = app.extensions["catalog"].fallback
    assert fallback.state()["channels"] == 2 and set(fallback._channels) == {"forge", "forge3"}
    small = make_app(tmp_path / "b", conda, api, GATEWAY_FALLBACK_MAX_BYTES="1")
    small_client = small.test_client()
    assert small_client.get("/api/channels/forge/artifacts/conda/zlib").status_code == 200
    assert small.extensions["catalog"].fallback.state()["channels"] == 0


def test_with_the_fallback_off_unknown_channels_are_404(tmp_path, reset):
    conda, api = reset
    client = make_app(tmp_path, conda, api, GATEWAY_FALLBACK_UPSTREAM="").test_client()
    response = client.get("/api/channels/forge/artifacts/conda/zlib")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "channel_not_found"
    assert not conda.hits and not api.hits


JUNK_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bm90LWEtc2lnbmF0dXJlLWF0LWFsbA"


@pytest.mark.parametrize("token", ["junk", "other-channel"])
def test_with_the_fallback_on_a_token_still_cannot_tell_private_from_missing(
    tmp_path, reset, token
):
    conda, api = reset
    client = make_app(tmp_path, conda, api).test_client()
    if token == "junk":
        bearer, status = JUNK_TOKEN, 401
    else:
        bearer, status = (
            mint("main", audience="api", secret="x" * 32, issuer="conda-badges-dev"),
            403,
        )
    answers = {
        name: client.get(
            f"/api/channels/{name}/artifacts/conda/zlib",
            headers={"Authorization": f"Bearer {bearer}"},
        )
        for name in ("private", "forge")  # forge: a channel the fallback upstream has
    }
    assert answers["private"].status_code == answers["forge"].status_code == status
    bodies = [answers[n].get_data().replace(n.encode(), b"CH") for n in ("private", "forge")]
    assert bodies[0] == bodies[1]
    assert not conda.hits and not api.hits  # a token's request never looks a name up upstream


def test_without_a_token_a_private_name_is_never_looked_up(tmp_path, reset):
    conda, api = reset
    client = make_app(tmp_path, conda, api).test_client()
    response = client.get("/api/channels/private/artifacts/conda/r-base")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "channel_not_found"
    assert not conda.hits and not api.hits

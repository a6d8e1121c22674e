"""The CVE endpoints when things are missing or come from elsewhere (gateway app, real data)."""

from __future__ import annotations

import pytest

from common.settings import Settings
from gateway import create_app
from tests.conftest import CHANNELS
from tests.conftest import EMBEDDED_VULNS_DB

CVES = "/api/channels/main/artifacts/conda/zlib/cves"


def client(tmp_path, config: str, **env):
    tmp_path.mkdir(parents=True, exist_ok=True)
    channels = tmp_path / "channels.toml"
    channels.write_text(config)
    environ = {
        "STATE_DIR": str(tmp_path / "state"),
        "GATEWAY_CHANNELS_FILE": str(channels),
        "VULNS_DB": str(EMBEDDED_VULNS_DB),
        **env,
    }
    settings = Settings.from_env(environ)
    return create_app(settings).test_client()


MAIN = f'[channels.main]\ndriver = "conda"\nurl = "{(CHANNELS / "main").as_uri()}"\n'


def test_without_a_database_cves_are_unavailable_and_other_facts_still_answer(tmp_path):
    api = client(tmp_path, MAIN, VULNS_DB=str(tmp_path / "missing.sqlite"))
    response = api.get(CVES)
    assert response.status_code == 503
    assert response.json["error"]["code"] == "vulns_unavailable"
    assert "missing.sqlite" in response.json["error"]["message"]
    artifact = api.get("/api/channels/main/artifacts/conda/zlib").json
    assert artifact["latest_version"] == "1.2.11" and artifact["cve_count"] is None
    assert "missing.sqlite" in artifact["cve_error"]
    files = api.get("/api/channels/main/artifacts/conda/zlib/files").json["items"]
    assert all(f["cve_count"] is None and f["cve_error"] for f in files)


def test_affected_files_carry_the_subdir(tmp_path):
    api = client(tmp_path, MAIN)
    items = api.get(CVES).json["items"]
    assert items
    for item in items:
        expected = sorted(f"{f['subdir']}/{f['filename']}" for f in item["files"])
        assert item["affected_files"] == expected
        assert len(set(item["affected_files"])) == len(item["files"])
    # one file name in two subdirs is two entries (the real win-32 and win-64 zlib builds)
    name = "zlib-1.2.11-h62dcd97_3.tar.bz2"
    assert any({f"win-32/{name}", f"win-64/{name}"} <= set(i["affected_files"]) for i in items)


def test_a_broken_curation_file_at_start_is_a_clear_503(tmp_path):
    vex = tmp_path / "vex.json"
    vex.write_text('{"statements": [{"vulnerability": "CVE-1", "status": "nope"}]}')
    api = client(tmp_path, MAIN + f'vex = "{vex}"\n')
    response = api.get(CVES)
    assert (
        response.status_code == 503 and "status must be one of" in response.json["error"]["message"]
    )


def test_a_channel_naming_a_missing_curation_file_is_a_config_error(tmp_path):
    from common.channels import ChannelConfigError

    with pytest.raises(ChannelConfigError, match="vex"):
        client(tmp_path, MAIN + 'vex = "nowhere.json"\n')


@pytest.mark.integration
def test_a_platform_channel_passes_its_upstreams_cves_through(system, vulns_db, tmp_path):
    config = (
        f'[channels.chained]\ndriver = "platform"\nurl = "{system.gateway_url}"\n'
        'upstream_channel = "main"\n'
    )
    chained = client(tmp_path, config, VULNS_DB=str(tmp_path / "no-local-database.sqlite"))
    vex = CHANNELS.parent / "vex" / "main.openvex.json"
    upstream = client(tmp_path / "up", MAIN + f'vex = "{vex}"\n', VULNS_DB=str(vulns_db))
    mine = chained.get("/api/channels/chained/artifacts/conda/zlib/cves").json
    theirs = upstream.get(CVES).json
    assert [(i["id"], i["score"], i["status_counts"]) for i in mine["items"]] == [
        (i["id"], i["score"], i["status_counts"]) for i in theirs["items"]
    ]
    assert mine["covered"] is True and mine["database"] == theirs["database"]
    mine_files = chained.get("/api/channels/chained/artifacts/conda/zlib/files").json["items"]
    their_files = upstream.get("/api/channels/main/artifacts/conda/zlib/files").json["items"]

    def pick(items):
        return sorted(
            (f["filename"], f["cve_count"], f["cve_score"], f["cve_status"]) for f in items
        )

    assert pick(mine_files) == pick(their_files)
    untracked = chained.get("/api/channels/chained/artifacts/conda/vc/cves").json
    assert untracked["covered"] is False

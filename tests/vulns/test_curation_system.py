"""A channel owner's OpenVEX file through the real processes: API, badge colour, SBOM state.

The channel is the real `main`; the curation is written by the test (it is the owner's input);
expected scores and colours are derived from the recorded NVD records.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import CHANNELS
from tests.processes import http_get
from tests.processes import start_system
from tests.vulns import records

pytestmark = pytest.mark.integration
FILE = "zlib-1.2.11-h7b6447c_3.conda"
CLEARED = "CVE-2022-37434"


def openvex(*statements) -> str:
    return json.dumps(
        {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.org/vex/main",
            "author": "the channel owner",
            "timestamp": "2026-02-01T10:00:00Z",
            "version": 1,
            "statements": list(statements),
        }
    )


def not_affected(cve_id: str, justification: str) -> dict:
    return {
        "vulnerability": {"name": cve_id},
        "products": [{"@id": "pkg:conda/zlib@1.2.11"}],
        "status": "not_affected",
        "justification": justification,
    }


def color(score: float) -> str:
    return "red" if score >= 9 else "orange" if score >= 7 else "yellow"


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    work = tmp_path_factory.mktemp("curation")
    vex = work / "main.openvex.json"
    vex.write_text(openvex(not_affected(CLEARED, "vulnerable_code_not_present")))
    config = work / "channels.toml"
    config.write_text(
        f'[channels.main]\ndriver = "conda"\nurl = "{(CHANNELS / "main").as_uri()}"\n'
        f'vex = "{vex}"\n'
    )
    system = start_system(
        work,
        {
            "GATEWAY_CHANNELS_FILE": str(config),
            "VULNS_DB_CHECK_INTERVAL": "0.2",
            # the services reuse facts for these many seconds: a curation change would show
            # there that much later (docs/vulnerabilities.md); these tests look at once
            "BADGES_FACTS_TTL": "0",
            "SBOM_FACTS_TTL": "0",
        },
    )
    yield system, vex
    system.stop()


def cves(system) -> dict:
    _, _, body = http_get(system.gateway_url, "/api/channels/main/artifacts/conda/zlib/cves")
    return {item["id"]: item for item in json.loads(body)["items"]}


def badge(system, base: str) -> dict:
    return json.loads(http_get(base, "/main/zlib/badges/cves.json")[2])


def test_one_cve_marked_not_affected_is_cleared_in_api_badge_and_sbom(curated):
    system, _ = curated
    items = cves(system)
    ids = records.nvd_cves_for_cpe("zlib:zlib", "1.2.11")
    assert set(items) == ids
    for cve_id, item in items.items():
        statuses = {f["status"] for f in item["files"] if f["version"] == "1.2.11"}
        assert statuses == ({"cleared"} if cve_id == CLEARED else {"reported"})
        assert item["curated_at"] == ("2026-02-01T10:00:00Z" if cve_id == CLEARED else None)
    scores = {c: records.nvd_primary_v31(records.nvd(c)) for c in ids}
    still_open = {c: s for c, s in scores.items() if c != CLEARED}
    found = badge(system, system.gateway_url)
    counts = {}
    for score in still_open.values():
        band = "critical" if score >= 9 else "high"
        counts[band] = counts.get(band, 0) + 1
    assert found["message"] == ", ".join(
        f"{counts[b]} {b}" for b in ("critical", "high") if b in counts
    )
    assert found["color"] == color(max(still_open.values()))
    status, _, raw = http_get(system.gateway_url, f"/main/linux-64/{FILE}.cdx.json")
    bom = json.loads(raw)
    states = {v["id"]: v["analysis"] for v in bom["vulnerabilities"]}
    assert states[CLEARED]["state"] == "not_affected"
    assert states[CLEARED]["justification"] == "code_not_present"
    assert {states[c]["state"] for c in still_open} == {"in_triage"}


def test_a_new_curation_is_read_without_a_restart(curated):
    system, vex = curated
    ids = sorted(records.nvd_cves_for_cpe("zlib:zlib", "1.2.11"))
    mitigated = ids[0]
    vex.write_text(
        openvex(
            *[
                not_affected(
                    c,
                    "vulnerable_code_not_in_execute_path"
                    if c == mitigated
                    else "vulnerable_code_not_present",
                )
                for c in ids
            ]
        )
    )

    def latest_statuses() -> dict[str, set[str]]:
        items = cves(system)
        return {
            c: {f["status"] for f in items[c]["files"] if f["version"] == "1.2.11"} for c in ids
        }

    expected = {c: {"mitigated" if c == mitigated else "cleared"} for c in ids}
    # past VULNS_DB_CHECK_INTERVAL (0.2 s) every worker of every process looks at the file again
    time.sleep(0.5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and latest_statuses() != expected:
        time.sleep(0.2)
    assert all(latest_statuses() == expected for _ in range(10))  # whichever worker answers
    _, _, raw = http_get(system.gateway_url, "/api/channels/main/artifacts/conda/zlib/files")
    entry = next(f for f in json.loads(raw)["items"] if f["filename"] == FILE)
    # no open CVE left: the most severe status is mitigated; the score comes from the others
    assert entry["cve_status"] == "mitigated"
    assert entry["cve_score"] == max(records.nvd_primary_v31(records.nvd(c)) for c in ids)
    found = badge(system, system.badges_url)  # the gateway may still hold the earlier badge
    assert (found["message"], found["color"]) == ("none open", "brightgreen")
    status, _, raw = http_get(system.sbom_url, f"/main/linux-64/{FILE}.cdx.json")
    states = {v["id"]: v["analysis"]["state"] for v in json.loads(raw)["vulnerabilities"]}
    assert states == {c: "resolved" if c == mitigated else "not_affected" for c in ids}


def test_a_broken_curation_keeps_the_last_good_one(curated):
    system, vex = curated
    time.sleep(0.5)
    # every worker reads the current curation first (each keeps its own last good one)
    answers = [{c: i["status"] for c, i in cves(system).items()} for _ in range(20)]
    before = answers[-1]
    assert all(a == before for a in answers)
    vex.write_text('{"statements": [{"status": "nonsense"}]}')
    time.sleep(0.5)
    for _ in range(20):
        status, _, body = http_get(
            system.gateway_url, "/api/channels/main/artifacts/conda/zlib/cves"
        )
        assert status == 200
        assert {i["id"]: i["status"] for i in json.loads(body)["items"]} == before
    deadline = time.monotonic() + 10  # the worker's log line may reach the file a bit later
    while time.monotonic() < deadline:
        logs = "".join(p.read_text() for p in system.app_log_paths if p.name.startswith("gateway"))
        if "not (re)loaded" in logs:
            break
        time.sleep(0.2)
    assert "not (re)loaded" in logs

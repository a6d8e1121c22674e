"""OpenVEX curation: statuses, justifications, products, precedence and clear errors."""

from __future__ import annotations

import json

import pytest

from gateway.models import PackageFile
from tests.conftest import DATA
from vulns.curation import Curation
from vulns.curation import CurationError
from vulns.curation import load_curation
from vulns.curation import parse_openvex
from vulns.curation import status_for

ZLIB = PackageFile(
    "zlib-1.2.11-h7b6447c_3.conda", "zlib", "1.2.11", "h7b6447c_3", 3, "linux-64", 1, None, None
)
ZLIB_WIN = PackageFile(
    "zlib-1.2.11-h62dcd97_3.tar.bz2", "zlib", "1.2.11", "h62dcd97_3", 3, "win-64", 1, None, None
)


def vex(*statements, timestamp="2026-01-01T00:00:00Z") -> dict:
    return {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.org/vex/1",
        "author": "test",
        "timestamp": timestamp,
        "version": 1,
        "statements": list(statements),
    }


def statement(status, products=("pkg:conda/zlib@1.2.11",), cve="CVE-2022-37434", **extra):
    return {
        "vulnerability": {"name": cve},
        "products": [{"@id": p} for p in products],
        "status": status,
        **extra,
    }


@pytest.mark.parametrize(
    ("vex_status", "justification", "expected"),
    [
        ("not_affected", "vulnerable_code_not_present", "cleared"),
        ("not_affected", "component_not_present", "cleared"),
        ("not_affected", "vulnerable_code_not_in_execute_path", "mitigated"),
        ("not_affected", "vulnerable_code_cannot_be_controlled_by_adversary", "mitigated"),
        ("not_affected", "inline_mitigations_already_exist", "mitigated"),
        ("not_affected", None, "cleared"),
        ("affected", None, "active"),
        ("fixed", None, "mitigated"),
        ("under_investigation", None, "reported"),
    ],
)
def test_openvex_statuses_map_to_anacondas(vex_status, justification, expected):
    assert status_for(vex_status, justification) == expected


def test_products_match_by_name_version_and_qualifiers():
    curation = Curation(
        parse_openvex(
            vex(
                statement(
                    "affected",
                    products=["pkg:conda/zlib@1.2.11?subdir=win-64&type=tar.bz2&channel=elsewhere"],
                )
            )
        )
    )
    assert curation.decide(["CVE-2022-37434"], ZLIB_WIN).status == "active"
    assert curation.decide(["CVE-2022-37434"], ZLIB) is None  # other subdir
    everywhere = Curation(parse_openvex(vex(statement("affected", products=["pkg:conda/zlib"]))))
    assert everywhere.decide(["CVE-2022-37434"], ZLIB).status == "active"
    other = Curation(parse_openvex(vex(statement("affected", products=["pkg:conda/zlib@1.2.12"]))))
    assert other.decide(["CVE-2022-37434"], ZLIB) is None


def test_the_latest_statement_wins_and_aliases_find_it():
    curation = Curation(
        parse_openvex(
            vex(
                statement("affected", timestamp="2026-03-01T00:00:00Z"),
                statement(
                    "not_affected",
                    justification="vulnerable_code_not_present",
                    timestamp="2026-02-01T00:00:00Z",
                ),
                statement("fixed", cve="GHSA-xxxx-yyyy-zzzz", timestamp="2026-04-01T00:00:00Z"),
            )
        )
    )
    decision = curation.decide(["CVE-2022-37434"], ZLIB)
    assert (decision.status, decision.timestamp) == ("active", "2026-03-01T00:00:00Z")
    assert curation.decide(["CVE-2022-37434", "GHSA-xxxx-yyyy-zzzz"], ZLIB).status == "mitigated"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"statements": "no"}, "no statements list"),
        (vex(statement("maybe")), "status must be one of"),
        (vex(statement("not_affected")), "needs a justification or impact_statement"),
        (vex(statement("not_affected", justification="because")), "unknown justification"),
        (vex(statement("affected", products=[])), "no products"),
        (vex(statement("affected", products=["not a purl"])), "is not a purl"),
        (vex({"status": "affected", "products": [{"@id": "pkg:conda/zlib"}]}), "vulnerability"),
        (vex(statement("affected"), timestamp="yesterday"), "timestamp"),
    ],
)
def test_bad_documents_say_where_and_why(document, message):
    with pytest.raises(CurationError, match=message):
        parse_openvex(document, "main.openvex.json")


def test_the_embedded_main_curation_loads_and_says_what_it_says():
    curation = load_curation(DATA / "vex" / "main.openvex.json")
    decision = curation.decide(["CVE-2023-45853"], ZLIB)
    assert (decision.status, decision.justification) == ("cleared", "vulnerable_code_not_present")
    assert curation.decide(["CVE-2022-37434"], ZLIB) is None


def test_unreadable_files_are_a_clear_error(tmp_path):
    path = tmp_path / "vex.json"
    path.write_text("{")
    with pytest.raises(CurationError, match="cannot read it as JSON"):
        load_curation(path)
    path.write_text(json.dumps(vex(statement("affected"))))
    assert load_curation(path)

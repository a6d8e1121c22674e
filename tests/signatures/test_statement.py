"""The CEP-27 statement checks, run directly on the real statement and on edits of it (the
signed path is covered in test_attestations.py; these reach the checks a signature hides)."""

from __future__ import annotations

import copy
import json

import pytest

from signatures import Channel
from signatures.statement import IN_TOTO_PAYLOAD_TYPE
from signatures.statement import StatementError
from signatures.statement import check_statement


def _run(statement, record, channel, payload_type=IN_TOTO_PAYLOAD_TYPE):
    checks: list[str] = []
    target = check_statement(payload_type, json.dumps(statement).encode(), record, channel, checks)
    return target, checks


def test_the_real_statement_passes_every_check(statement, record, channel):
    target, checks = _run(statement, record, channel)
    assert target == statement["predicate"]["targetChannel"]
    assert checks[-1] == "target channel" and len(checks) == 7


def test_without_a_target_channel_that_check_is_not_done(statement, record):
    edited = copy.deepcopy(statement)
    del edited["predicate"]["targetChannel"]
    target, checks = _run(edited, record, Channel("https://example.org/anything"))
    assert target is None
    assert "target channel" not in checks and "subject sha256" in checks


def _edit(statement, how):
    edited = copy.deepcopy(statement)
    if how == "predicate type":
        edited["predicateType"] = "https://slsa.dev/provenance/v1"
    elif how == "statement type":
        edited["_type"] = "https://in-toto.io/Statement/v0.1"
    elif how == "two subjects":
        edited["subject"] = edited["subject"] * 2
    elif how == "no subject":
        edited["subject"] = []
    elif how == "no digest":
        del edited["subject"][0]["digest"]
    elif how == "predicate not an object":
        edited["predicate"] = ["https://prefix.dev/skill-forge"]
    elif how == "not an object":
        edited = [edited]
    return edited


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("predicate type", "predicate type"),
        ("statement type", "in-toto Statement v1"),
        ("two subjects", "one subject"),
        ("no subject", "one subject"),
        ("no digest", "sha256 None"),
        ("predicate not an object", "predicate"),
        ("not an object", "not a JSON object"),
    ],
)
def test_an_edited_statement_fails_with_its_reason(statement, record, channel, how, says):
    with pytest.raises(StatementError, match=says):
        _run(_edit(statement, how), record, channel)


def test_another_payload_type_fails(statement, record, channel):
    with pytest.raises(StatementError, match="payload type"):
        _run(statement, record, channel, payload_type="application/json")


def test_a_payload_that_is_not_json_fails(record, channel):
    with pytest.raises(StatementError, match="not JSON"):
        check_statement(IN_TOTO_PAYLOAD_TYPE, b"\x00{", record, channel, [])

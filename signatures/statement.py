"""The CEP-27 checks on a verified in-toto statement: types, the one subject, the target channel."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from signatures.attestations import Channel
    from signatures.attestations import Record

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://schemas.conda.org/attestations-publish-1.schema.json"


class StatementError(Exception):
    """A verified statement that does not attest this record on this channel."""


def check_statement(
    payload_type: str, payload: bytes, record: Record, channel: Channel, checks: list[str]
) -> str | None:
    """Run the CEP-27 checks, appending each passed check's name; return the target channel."""
    _require(payload_type == IN_TOTO_PAYLOAD_TYPE, f"payload type is {payload_type!r}")
    try:
        statement = json.loads(payload)
    except ValueError as error:
        raise StatementError("statement is not JSON") from error
    _require(isinstance(statement, dict), "statement is not a JSON object")
    checks.append("payload type")
    _require(statement.get("_type") == STATEMENT_TYPE, "statement is not an in-toto Statement v1")
    checks.append("statement type")
    predicate_type = statement.get("predicateType")
    _require(predicate_type == PREDICATE_TYPE, f"predicate type is {predicate_type!r}")
    checks.append("predicate type")
    _check_subject(statement.get("subject"), record, checks)
    return _check_target(statement.get("predicate"), channel, checks)


def _check_subject(subjects: Any, record: Record, checks: list[str]) -> None:
    _require(isinstance(subjects, list) and len(subjects) == 1, "statement needs one subject")
    subject = subjects[0] if isinstance(subjects[0], dict) else {}
    checks.append("one subject")
    name = subject.get("name")
    _require(name == record.filename, f"subject names {name!r}, not {record.filename!r}")
    checks.append("subject file name")
    digest = subject.get("digest")
    sha256 = digest.get("sha256") if isinstance(digest, dict) else None
    _require(
        isinstance(sha256, str) and sha256.lower() == record.sha256.lower(),
        f"subject sha256 {sha256} is not the record's {record.sha256}",
    )
    checks.append("subject sha256")


def _check_target(predicate: Any, channel: Channel, checks: list[str]) -> str | None:
    _require(predicate is None or isinstance(predicate, dict), "predicate is not an object")
    target = (predicate or {}).get("targetChannel")
    if target is None:
        return None
    accepted = {_norm(channel.url), *(_norm(m) for m in channel.mirror_of)}
    _require(
        isinstance(target, str) and _norm(target) in accepted,
        f"target channel {target!r} is not the serving channel {channel.url!r} or its mirror",
    )
    checks.append("target channel")
    return target


def _norm(url: str) -> str:
    return url.rstrip("/")


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise StatementError(reason)

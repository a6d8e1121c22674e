"""OSV records (JSON or YAML; GHSA, PyPA, R Consortium and other OSV databases)."""

from __future__ import annotations

import re

from vulns.model import SCHEME_CRAN
from vulns.model import SCHEME_PYPI
from vulns.model import MalformedRecord
from vulns.model import Rule
from vulns.model import ScoreCandidate
from vulns.model import SourceRecord
from vulns.sources.common import iso_utc
from vulns.sources.common import references
from vulns.sources.common import require_dict
from vulns.sources.common import strings
from vulns.sources.common import text_says_disputed

# OSV ecosystems a conda name can map to, and the ordering their ranges use
ECOSYSTEMS = {"PyPI": SCHEME_PYPI, "CRAN": SCHEME_CRAN}
_EVENT_KEYS = ("introduced", "fixed", "last_affected", "limit")
_SEVERITY_TYPES = ("CVSS_V2", "CVSS_V3", "CVSS_V4")
# preference among sources for a CVSS vector (lower first); NVD's own are 0-19
RANK_GHSA = 30
RANK_OSV = 40


def pypi_name(name: str) -> str:
    """A PyPI project name normalized as PEP 503 says (`Typing_Ext` -> `typing-ext`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def identity(ecosystem: str, name: str) -> str | None:
    """The identity string an OSV package maps to, or None for ecosystems conda never maps to."""
    if ecosystem == "PyPI":
        return f"pypi:{pypi_name(name)}"
    if ecosystem == "CRAN":
        # CRAN names are case-sensitive; conda lower-cases them (`r-Rcpp` is `r-rcpp`)
        return f"cran:{name.lower()}"
    return None


def source_of(record_id: str) -> tuple[str, str]:
    """(source name, the advisory's page) for an OSV id."""
    prefix = record_id.split("-", 1)[0]
    if prefix == "GHSA":
        return "GHSA", f"https://github.com/advisories/{record_id}"
    if prefix in ("PYSEC", "RSEC"):
        return prefix, f"https://osv.dev/vulnerability/{record_id}"
    return "OSV", f"https://osv.dev/vulnerability/{record_id}"


def _events(raw: object, where: str) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise MalformedRecord(f"{where}: events must be a non-empty list")
    events = []
    for event in raw:
        if not isinstance(event, dict) or len(event) != 1:
            raise MalformedRecord(f"{where}: each event must have exactly one key")
        key, value = next(iter(event.items()))
        if key not in _EVENT_KEYS:
            raise MalformedRecord(f"{where}: unknown event {key!r}")
        events.append({key: str(value)})
    return events


def _rules(affected: list, record_id: str) -> list[Rule]:
    rules: list[Rule] = []
    for index, entry in enumerate(affected):
        entry = require_dict(entry, f"affected[{index}]")
        package = require_dict(entry.get("package", {}), f"affected[{index}].package")
        ecosystem = str(package.get("ecosystem", "")).split(":", 1)[0]
        name = package.get("name")
        if not isinstance(name, str) or not name:
            raise MalformedRecord(f"affected[{index}].package.name is missing")
        ranges = []
        for number, item in enumerate(entry.get("ranges") or []):
            item = require_dict(item, f"affected[{index}].ranges[{number}]")
            events = _events(item.get("events"), f"affected[{index}].ranges[{number}]")
            if item.get("type") in ("ECOSYSTEM", "SEMVER"):
                ranges.append(events)
            # GIT ranges name commits: they need the repository's history, not offline data
        versions = [str(v) for v in entry.get("versions") or [] if isinstance(v, str | int)]
        key = identity(ecosystem, name)
        if key is None or ecosystem not in ECOSYSTEMS or not (ranges or versions):
            continue
        rules.append(Rule(key, ECOSYSTEMS[ecosystem], {"ranges": ranges, "versions": versions}))
    return rules


def _scores(document: dict, rank: int) -> list[ScoreCandidate]:
    found = []
    severities = list(document.get("severity") or [])
    for entry in document.get("affected") or []:
        if isinstance(entry, dict):
            severities += list(entry.get("severity") or [])
    for item in severities:
        if isinstance(item, dict) and item.get("type") in _SEVERITY_TYPES:
            vector = item.get("score")
            if isinstance(vector, str) and vector:
                found.append(ScoreCandidate(vector, "osv" if rank == RANK_OSV else "ghsa", rank))
    return found


def parse_osv(document: object) -> SourceRecord:
    """One OSV record; raises MalformedRecord when it cannot be read."""
    document = require_dict(document, "the record")
    record_id = document.get("id")
    if not isinstance(record_id, str) or not record_id.strip():
        raise MalformedRecord("the record has no id")
    affected = document.get("affected") or []
    if not isinstance(affected, list):
        raise MalformedRecord("affected is not a list")
    source, url = source_of(record_id)
    rank = RANK_GHSA if source == "GHSA" else RANK_OSV
    details = document.get("details") if isinstance(document.get("details"), str) else None
    summary = document.get("summary") if isinstance(document.get("summary"), str) else None
    return SourceRecord(
        id=record_id.strip(),
        source=source,
        url=url,
        aliases=strings(document.get("aliases")),
        upstream=strings(document.get("upstream")),
        summary=summary.strip() if summary else None,
        description=details.strip() if details else None,
        published=iso_utc(document.get("published"), field="published"),
        modified=iso_utc(document.get("modified"), field="modified"),
        disputed=text_says_disputed(details) or text_says_disputed(summary),
        withdrawn=bool(document.get("withdrawn")),
        scores=_scores(document, rank),
        references=references(document.get("references")),
        rules=_rules(affected, record_id),
    )

"""Building the database: read the sources, merge aliases, write SQLite atomically.

The database is written to a temporary file beside `out` and moved into place with
`os.replace`, so a reader sees the old database or the new one, never a half-written one; a
build that fails leaves the previous database where it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path

from vulns.model import Rule
from vulns.model import SourceRecord
from vulns.scores import best_scores
from vulns.sources import Problem
from vulns.sources import read_source
from vulns.sources.documents import SourceError
from vulns.sources.documents import local_path
from vulns.staging import Stage

SCHEMA_VERSION = 1

# Who publishes each source and on which terms (shown beside every answer that uses it).
SOURCES = {
    "NVD": ("National Vulnerability Database (NVD)", "public domain (NIST); not endorsed by NVD"),
    "CVE": ("CVE List (CVE Program)", "CVE Program Terms of Use"),
    "GHSA": ("GitHub Advisory Database", "CC-BY-4.0"),
    "PYSEC": ("PyPI Advisory Database (PyPA)", "CC-BY-4.0"),
    "RSEC": ("R Consortium R Advisory Database", "Apache-2.0"),
    "OSV": ("OSV", None),
}
# which record's text describes a CVE best, most preferred first
_DESCRIPTION_ORDER = ("NVD", "CVE", "GHSA", "PYSEC", "RSEC", "OSV")
_SUMMARY_ORDER = ("GHSA", "PYSEC", "RSEC", "OSV")


class BuildError(RuntimeError):
    """The build cannot produce a database; the previous one stays in place."""


@dataclass
class BuildResult:
    """What a build wrote and what it skipped."""

    path: Path
    version: str
    digest: str
    built_at: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def primary_id(ids: Iterable[str]) -> str:
    """The id a vulnerability is shown under: its CVE id, else its GHSA id, else the first."""
    ordered = sorted(ids)
    for prefix in ("CVE-", "GHSA-"):
        found = [i for i in ordered if i.startswith(prefix)]
        if found:
            return found[0]
    return ordered[0]


def _pick(records: list[SourceRecord], order: Sequence[str], attribute: str) -> str | None:
    for source in order:
        for record in records:
            value = getattr(record, attribute)
            if record.source == source and value:
                return value
    return None


def _references(records: list[SourceRecord]) -> list[dict]:
    seen: dict[str, dict] = {}
    for record in sorted(records, key=lambda r: _DESCRIPTION_ORDER.index(r.source)):
        if record.url and record.url not in seen:
            seen[record.url] = {"url": record.url, "type": "ADVISORY", "source": record.source}
        for reference in record.references:
            seen.setdefault(reference["url"], reference)
    return list(seen.values())


def merge_group(records: list[SourceRecord]) -> tuple[dict, list[Rule], list[str]]:
    """The stored body of one vulnerability, its rules, and vectors that could not be scored."""
    ids = {r.id for r in records} | {a for r in records for a in r.aliases}
    main = primary_id(ids)
    scores, invalid = best_scores(c for r in records for c in r.scores)
    published = sorted(r.published for r in records if r.published)
    modified = sorted(r.modified for r in records if r.modified)
    body = {
        "id": main,
        "aliases": sorted(ids - {main}),
        "upstream": sorted({u for r in records for u in r.upstream} - ids),
        "summary": _pick(records, _SUMMARY_ORDER, "summary"),
        "description": _pick(records, _DESCRIPTION_ORDER, "description"),
        "published": published[0] if published else None,
        "modified": modified[-1] if modified else None,
        "disputed": any(r.disputed for r in records),
        "scores": scores,
        "references": _references(records),
        "sources": [
            {
                "name": SOURCES[r.source][0],
                "id": r.id,
                "url": r.url,
                "license": SOURCES[r.source][1],
                "kind": r.source,
            }
            for r in sorted(records, key=lambda r: (_DESCRIPTION_ORDER.index(r.source), r.id))
        ],
    }
    rules = [rule for r in records for rule in r.rules]
    if not any(r.configured for r in records if r.source == "NVD"):
        rules += [rule for r in records for rule in r.fallback_rules]
    unique = {json.dumps([x.identity, x.scheme, x.spec], sort_keys=True): x for x in rules}
    return body, [unique[k] for k in sorted(unique)], invalid


def load_mapping(path: Path) -> dict[str, str | None]:
    """A conda→PyPI mapping: parselmouth's flat `{conda: pypi|null}` or `{conda: [pypi...]}`."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise BuildError(f"mapping {path}: cannot read it as JSON ({error})") from error
    if not isinstance(data, dict):
        raise BuildError(f"mapping {path}: expected a JSON object of conda name -> PyPI name")
    mapping: dict[str, str | None] = {}
    for conda, pypi in data.items():
        if isinstance(pypi, list):
            pypi = next((p for p in pypi if isinstance(p, str) and p), None)
        if pypi is not None and not isinstance(pypi, str):
            raise BuildError(f"mapping {path}: the value for {conda!r} is not a name or null")
        mapping[str(conda)] = pypi or None
    return mapping


def _read(kind: str, locations: Sequence[str | Path], problems: list[Problem], add) -> None:
    for location in locations:
        try:
            with local_path(str(location)) as path:
                for item in read_source(kind, path):
                    if isinstance(item, Problem):
                        problems.append(item)
                    else:
                        add(item)
        except SourceError as error:
            raise BuildError(f"--{kind} {location}: {error}") from error


def _digest(connection: sqlite3.Connection, mapping: dict[str, str | None]) -> str:
    """Over the bodies by id, the rules in their stored order, and the mapping."""
    sha = hashlib.sha256(f"schema {SCHEMA_VERSION}\n".encode())
    for (body,) in connection.execute("SELECT body FROM vulns ORDER BY id"):
        sha.update(json.dumps(json.loads(body), sort_keys=True).encode() + b"\n")
    query = "SELECT identity, id, kind, scheme, spec FROM rules ORDER BY rowid"
    for identity, vuln_id, kind, scheme, spec in connection.execute(query):
        row = (identity, vuln_id, kind, scheme, json.loads(spec))
        sha.update(json.dumps(row).encode() + b"\n")
    sha.update(json.dumps(mapping, sort_keys=True).encode())
    return sha.hexdigest()


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE vulns (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE aliases (alias TEXT PRIMARY KEY, id TEXT NOT NULL);
CREATE TABLE rules (identity TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL,
                    scheme TEXT NOT NULL, spec TEXT NOT NULL);
CREATE INDEX rules_by_identity ON rules (identity);
CREATE TABLE pypi_names (conda_name TEXT PRIMARY KEY, pypi_name TEXT);
CREATE TEMP TABLE unsorted_rules (sort_key TEXT NOT NULL, identity TEXT NOT NULL,
                                  id TEXT NOT NULL, kind TEXT NOT NULL, scheme TEXT NOT NULL,
                                  spec TEXT NOT NULL);
"""


def _write_groups(connection: sqlite3.Connection, stage: Stage, problems: list[Problem]) -> None:
    """Merge each alias group and write its body, aliases and rules (rules sorted after)."""
    for group in stage.merged_groups():
        body, group_rules, invalid = merge_group(group)
        problems += [Problem(body["id"], f"CVSS vector {v!r} is not valid") for v in invalid]
        connection.execute("INSERT INTO vulns VALUES (?, ?)", (body["id"], json.dumps(body)))
        connection.executemany(
            "INSERT OR IGNORE INTO aliases VALUES (?, ?)",
            [(a, body["id"]) for a in [body["id"], *body["aliases"]]],
        )
        rows = [(r.identity, body["id"], _kind(r.identity), r.scheme, r.spec) for r in group_rules]
        connection.executemany(
            "INSERT INTO unsorted_rules VALUES (?, ?, ?, ?, ?, ?)",
            [(json.dumps(row, sort_keys=True), *row[:4], json.dumps(row[4])) for row in rows],
        )
    connection.execute(
        "INSERT INTO rules SELECT identity, id, kind, scheme, spec FROM unsorted_rules "
        "ORDER BY sort_key"
    )
    connection.execute("DROP TABLE unsorted_rules")


def _counts(connection: sqlite3.Connection, stage: Stage, problems, pypi) -> tuple[dict, dict]:
    def one(sql: str) -> int:
        return connection.execute(sql).fetchone()[0]

    rules = one("SELECT count(*) FROM rules")
    counts = {
        "records": stage.records,
        "withdrawn": stage.withdrawn,
        "vulnerabilities": one("SELECT count(*) FROM vulns"),
        "rules": rules,
        "skipped": len(problems),
        "mapping": len(pypi),
        **{f"source:{k}": v for k, v in sorted(stage.by_source.items())},
    }
    coverage = {
        "pypi": one("SELECT count(*) FROM rules WHERE identity LIKE 'pypi:%'"),
        "cran": one("SELECT count(*) FROM rules WHERE identity LIKE 'cran:%'"),
        "cpe": stage.by_source.get("NVD", 0),
        "cve5": stage.by_source.get("CVE", 0) + stage.by_source.get("NVD", 0),
    }
    return counts, coverage


def _kind(identity: str) -> str:
    return identity.split(":", 1)[0] if identity.split(":", 1)[0] in ("cpe", "cve5") else "osv"


def build_database(
    out: Path,
    *,
    osv: Sequence[str | Path] = (),
    nvd: Sequence[str | Path] = (),
    cve5: Sequence[str | Path] = (),
    mapping: str | Path | None = None,
    now: datetime | None = None,
) -> BuildResult:
    """Build the database at `out` from the given sources (atomically); see the module doc."""
    problems: list[Problem] = []
    pypi = _mapping(mapping)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        temp.unlink()
        with tempfile.TemporaryDirectory(prefix=f".{out.name}.stage.", dir=out.parent) as folder:
            stage = Stage(Path(folder))
            try:
                for kind, locations in (("osv", osv), ("nvd", nvd), ("cve5", cve5)):
                    _read(kind, locations, problems, stage.add)
                if not stage.records:
                    raise BuildError(
                        "no record could be read from the given sources; nothing was written"
                    )
                result = _write(temp, stage, problems, pypi, now)
            finally:
                stage.close()
        os.chmod(temp, 0o644)
        os.replace(temp, out)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return BuildResult(out, *result, problems)


def _mapping(mapping: str | Path | None) -> dict[str, str | None]:
    if not mapping:
        return {}
    try:
        with local_path(str(mapping)) as path:
            return load_mapping(path)
    except SourceError as error:
        raise BuildError(f"--mapping {mapping}: {error}") from error


def _write(temp: Path, stage: Stage, problems, pypi, now) -> tuple:
    """Write the database at `temp`; (version, digest, built_at, counts)."""
    connection = sqlite3.connect(temp)
    try:
        connection.executescript(_SCHEMA)
        _write_groups(connection, stage, problems)
        connection.executemany("INSERT INTO pypi_names VALUES (?, ?)", sorted(pypi.items()))
        counts, coverage = _counts(connection, stage, problems, pypi)
        digest = _digest(connection, pypi)
        built_at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta = {
            "schema": SCHEMA_VERSION,
            "digest": digest,
            "version": digest[:12],
            "built_at": built_at,
            "counts": counts,
            "coverage": coverage,
        }
        connection.executemany(
            "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
        )
        connection.commit()
        connection.execute("VACUUM")
    finally:
        connection.close()
    return digest[:12], digest, built_at, counts

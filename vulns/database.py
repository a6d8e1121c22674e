"""Reading the database: one read-only snapshot at a time, reopened when a new file appears.

A rebuild replaces the file (a new inode). Readers look at the path at most every
`check_interval` seconds; when its inode, size or mtime changed they open the new file and
switch to it for later requests, while requests already holding the old snapshot finish on
it. A file that cannot be opened is logged and the current snapshot kept.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vulns.build import SCHEMA_VERSION
from vulns.watched import NotLoaded
from vulns.watched import WatchedFile

log = logging.getLogger(__name__)

MISSING = object()  # a conda name the mapping does not know at all (not even as non-Python)


class DatabaseUnavailable(RuntimeError):
    """No usable database at the configured path."""


@dataclass(frozen=True)
class StoredRule:
    """A rule as stored: which vulnerability, which kind of source, which ordering, which range."""

    id: str
    kind: str  # osv, cpe or cve5
    scheme: str
    spec: dict


class Snapshot:
    """One database file, opened read-only; lookups are cached for the snapshot's lifetime."""

    def __init__(self, path: Path):
        uri = f"file:{path}?mode=ro&immutable=1"
        try:
            self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.Error as error:
            raise DatabaseUnavailable(f"cannot open {path}: {error}") from error
        self._lock = threading.Lock()
        try:
            meta = {k: json.loads(v) for k, v in self._query("SELECT key, value FROM meta")}
        except sqlite3.DatabaseError as error:
            self._connection.close()
            raise DatabaseUnavailable(f"{path} is not a vulnerability database: {error}") from error
        if meta.get("schema") != SCHEMA_VERSION:
            self._connection.close()
            raise DatabaseUnavailable(
                f"{path} has schema {meta.get('schema')}, this code reads {SCHEMA_VERSION}"
            )
        self.path = path
        self.version: str = meta["version"]
        self.digest: str = meta["digest"]
        self.built_at: str = meta["built_at"]
        self.counts: dict = meta.get("counts", {})
        self.coverage: dict = meta.get("coverage", {})
        self._rules: dict[str, tuple[StoredRule, ...]] = {}
        self._vulns: dict[str, dict] = {}
        self._names: dict[str, object] = {}

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._connection.execute(sql, args).fetchall()

    def info(self) -> dict:
        """The database's version, digest and build date, as the API shows them."""
        return {"version": self.version, "digest": self.digest, "built_at": self.built_at}

    def covers(self, kind: str) -> bool:
        """Whether the database has data for identities of `kind` (pypi, cran, cpe, cve5)."""
        return bool(self.coverage.get(kind))

    def rules(self, identity: str) -> tuple[StoredRule, ...]:
        """Every rule stored for an identity."""
        found = self._rules.get(identity)
        if found is None:
            rows = self._query(
                "SELECT id, kind, scheme, spec FROM rules WHERE identity = ? ORDER BY rowid",
                (identity,),
            )
            found = tuple(StoredRule(i, k, s, json.loads(spec)) for i, k, s, spec in rows)
            self._rules[identity] = found
        return found

    def vuln(self, vuln_id: str) -> dict:
        """The stored body of a vulnerability (by its primary id)."""
        found = self._vulns.get(vuln_id)
        if found is None:
            rows = self._query("SELECT body FROM vulns WHERE id = ?", (vuln_id,))
            found = json.loads(rows[0][0]) if rows else {"id": vuln_id}
            self._vulns[vuln_id] = found
        return found

    def resolve(self, any_id: str) -> str | None:
        """The primary id for an id or alias (e.g. a GHSA id -> its CVE id)."""
        rows = self._query("SELECT id FROM aliases WHERE alias = ?", (any_id,))
        return rows[0][0] if rows else None

    def pypi_name(self, conda_name: str) -> object:
        """The PyPI name the built-in mapping gives, None for non-Python, or MISSING."""
        found = self._names.get(conda_name, self)
        if found is self:
            rows = self._query(
                "SELECT pypi_name FROM pypi_names WHERE conda_name = ?", (conda_name,)
            )
            found = rows[0][0] if rows else MISSING
            self._names[conda_name] = found
        return found


class Database:
    """The database at a path, reopened when the file is replaced (see the module doc)."""

    def __init__(
        self,
        path: Path,
        check_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.path = Path(path)
        self._watched = WatchedFile(
            self.path,
            Snapshot,
            (DatabaseUnavailable, sqlite3.Error),
            check_interval,
            clock,
            _opened,
        )

    def snapshot(self) -> Snapshot:
        """The current snapshot; raises DatabaseUnavailable when there has never been one."""
        try:
            return self._watched.get()[0]
        except NotLoaded as error:
            raise DatabaseUnavailable(f"{error} (build one: make vulns)") from None


def _opened(snapshot: Snapshot, previous: Snapshot | None) -> None:
    log.info(
        "vulnerability database %s opened (was %s)",
        snapshot.version,
        previous.version if previous is not None else None,
        extra={"fields": {"pid": os.getpid(), "vulns_db": snapshot.version}},
    )

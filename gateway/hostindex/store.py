"""One built index: a read-only SQLite file of a channel's records, summaries and dependants.

Built once per change of the channel's upstream documents (gateway.hostindex.build), then opened
read-only and immutable by every worker of every gateway process on the host: its pages live
in the OS page cache, shared, not in each worker's heap.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import orjson

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE subdirs (subdir TEXT PRIMARY KEY, download_base TEXT);
CREATE TABLE records (
    name TEXT NOT NULL, subdir TEXT NOT NULL, filename TEXT NOT NULL, record BLOB NOT NULL
);
CREATE TABLE packages (name TEXT PRIMARY KEY, facts BLOB NOT NULL, summary BLOB NOT NULL);
CREATE TABLE dependants (
    target TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, spec TEXT NOT NULL
);
"""
INDEXES = """
CREATE INDEX records_by_name ON records (name);
CREATE INDEX dependants_by_target ON dependants (target);
"""


def _like(query: str) -> str:
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class IndexFile:
    """Read-only queries on one built index file (safe to share between threads)."""

    def __init__(self, path: Path):
        self.path = path
        uri = f"{path.as_uri()}?mode=ro&immutable=1"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        # no mmap: pages come through the OS page cache (shared by all workers, not counted in
        # any worker's resident memory) into a small private cache
        self._db.execute("PRAGMA mmap_size = 0")
        self._db.execute("PRAGMA cache_size = -2000")  # 2 MB of private page cache at most
        self._lock = threading.Lock()
        self.meta = dict(self._query("SELECT key, value FROM meta"))
        self.subdirs = dict(self._query("SELECT subdir, download_base FROM subdirs"))

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def records(self, name: str) -> list[tuple[str, str, dict]]:
        """(subdir, filename, record) of every file of package `name`."""
        rows = self._query(
            "SELECT subdir, filename, record FROM records WHERE name = ? ORDER BY subdir, filename",
            (name,),
        )
        return [(subdir, filename, orjson.loads(record)) for subdir, filename, record in rows]

    def facts(self, name: str) -> dict:
        """The package's descriptive facts (from channeldata.json), {} when none."""
        rows = self._query("SELECT facts FROM packages WHERE name = ?", (name,))
        return orjson.loads(rows[0][0]) if rows else {}

    def search(self, query: str, limit: int, offset: int) -> tuple[list[dict], int]:
        """Summaries of packages whose name contains `query` (case-insensitive), one page."""
        where, params = (
            ("WHERE lower(name) LIKE ? ESCAPE '\\'", (_like(query),))
            if query
            else (
                "",
                (),
            )
        )
        total = self._query(f"SELECT count(*) FROM packages {where}", params)[0][0]  # noqa: S608
        rows = self._query(
            f"SELECT summary FROM packages {where} ORDER BY name LIMIT ? OFFSET ?",  # noqa: S608
            (*params, limit, offset),
        )
        return [orjson.loads(summary) for (summary,) in rows], total

    def dependants(self, name: str) -> list[dict]:
        """Packages whose latest version depends on `name`, by name."""
        rows = self._query(
            "SELECT name, version, spec FROM dependants WHERE target = ? ORDER BY name", (name,)
        )
        return [{"name": n, "version": v, "spec": s} for n, v, s in rows]

    def names(self) -> list[str]:
        """Every package name in the index."""
        return [name for (name,) in self._query("SELECT name FROM packages ORDER BY name")]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

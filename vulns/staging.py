"""Parsed records staged on disk, so that a build's memory does not grow with the feeds.

Each live record is pickled into a temporary SQLite file as it is read; only the ids and
aliases stay in memory (union-find: ids that alias each other are one vulnerability). The
build then reads the records back one alias group at a time.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from vulns.model import SourceRecord

_BATCH = 2000


class Groups:
    """Union-find over advisory ids: ids that alias each other are one vulnerability."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        """The representative id of `item`'s group."""
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        """Put `a` and `b` in one group."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


class Stage:
    """Records read so far (on disk), their alias groups and counts (in memory)."""

    def __init__(self, folder: Path):
        self._db = sqlite3.connect(folder / "stage.sqlite")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE staged (n INTEGER PRIMARY KEY, id TEXT, body BLOB)")
        self._pending: list[tuple[str, bytes]] = []
        self.groups = Groups()
        self.records = 0
        self.withdrawn = 0
        self.by_source: dict[str, int] = {}

    def add(self, record: SourceRecord) -> None:
        """Count a record; stage it and join its aliases unless it is withdrawn."""
        self.records += 1
        self.by_source[record.source] = self.by_source.get(record.source, 0) + 1
        if record.withdrawn:
            self.withdrawn += 1
            return
        self.groups.find(record.id)
        for alias in record.aliases:
            self.groups.union(record.id, alias)
        self._pending.append((record.id, pickle.dumps(record, pickle.HIGHEST_PROTOCOL)))
        if len(self._pending) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO staged (id, body) VALUES (?, ?)", self._pending)
        self._pending = []

    def merged_groups(self) -> Iterator[list[SourceRecord]]:
        """The live records, one alias group at a time (in the order they were read)."""
        self._flush()
        self._db.execute("CREATE TABLE roots (n INTEGER PRIMARY KEY, root TEXT)")
        rows = self._db.execute("SELECT n, id FROM staged ORDER BY n")
        self._db.executemany(
            "INSERT INTO roots VALUES (?, ?)",
            ((n, self.groups.find(i)) for n, i in rows.fetchall()),
        )
        self._db.execute("CREATE INDEX roots_by_root ON roots (root, n)")
        query = (
            "SELECT roots.root, staged.body FROM roots JOIN staged USING (n) "
            "ORDER BY roots.root, roots.n"
        )
        group: list[SourceRecord] = []
        current = None
        for root, body in self._db.execute(query):
            if root != current and group:
                yield group
                group = []
            current = root
            group.append(pickle.loads(body))  # noqa: S301 - our own pickles, from this build
        if group:
            yield group

    def close(self) -> None:
        """Close the staging file (its folder is the caller's to remove)."""
        self._db.close()

"""Contents documents kept forever under the archive's sha256: SQLite on one host, Redis across
replicas (the same choice as the HTTP cache: GATEWAY_CACHE_URL), with a small memory LRU."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import orjson
from cachetools import LRUCache

from contents.info import SCHEMA

log = logging.getLogger(__name__)
REDIS_PREFIX = f"conda-badges:contents:v{SCHEMA}:"
MEMORY_ENTRIES = 64


class SqliteStore:
    """A table of (sha256, document) in a SQLite file; one connection per thread."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS contents"
                " (sha256 TEXT NOT NULL, schema INTEGER NOT NULL, document BLOB NOT NULL,"
                " PRIMARY KEY (sha256, schema))"
            )
            self._local.db = db
        return db

    def get(self, sha256: str) -> dict | None:
        """The stored document, or None."""
        row = (
            self._db()
            .execute(
                "SELECT document FROM contents WHERE sha256 = ? AND schema = ?", (sha256, SCHEMA)
            )
            .fetchone()
        )
        return orjson.loads(row[0]) if row else None

    def put(self, sha256: str, document: dict) -> None:
        """Store (or replace, e.g. with a better-verified read) the document."""
        self._db().execute(
            "INSERT OR REPLACE INTO contents (sha256, schema, document) VALUES (?, ?, ?)",
            (sha256, SCHEMA, orjson.dumps(document)),
        )


class RedisStore:
    """One Redis key per archive, without expiry (a package file never changes)."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2)

    def get(self, sha256: str) -> dict | None:
        """The stored document, or None."""
        raw = self.client.get(REDIS_PREFIX + sha256)
        return orjson.loads(raw) if raw else None

    def put(self, sha256: str, document: dict) -> None:
        """Store (or replace) the document."""
        self.client.set(REDIS_PREFIX + sha256, orjson.dumps(document))


class MemoryCache:
    """This process's most recent documents (a repeat costs no store round trip)."""

    def __init__(self, entries: int = MEMORY_ENTRIES):
        self._items: LRUCache[str, dict] = LRUCache(maxsize=entries)
        self._lock = threading.Lock()

    def get(self, sha256: str) -> dict | None:
        """The document, or None."""
        with self._lock:
            return self._items.get(sha256)

    def put(self, sha256: str, document: dict) -> None:
        """Keep the document, dropping the least recently used beyond `entries`."""
        with self._lock:
            self._items[sha256] = document


def make_store(redis_url: str, state_dir: Path):
    """Redis at `redis_url` (the shared cache's, `Settings.cache_redis_url`), else SQLite in
    STATE_DIR."""
    if redis_url:
        return RedisStore(redis_url)
    return SqliteStore(state_dir / "contents.sqlite")

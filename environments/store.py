"""Watched environments: lockfiles stored content-addressed (id = sha256), bounded by count,
bytes and age; SQLite on one host, Redis across hosts. A put is one transaction: a lock is
stored whole or not at all."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "conda-badges:environments:"


@dataclass(frozen=True)
class Limits:
    """How much the store keeps: at most `count` locks and `bytes` in total, each `ttl` s."""

    count: int
    bytes: int
    ttl: float


class SqliteStore:
    """Locks in one SQLite file (every worker of one host shares it)."""

    def __init__(self, path: Path, limits: Limits, clock=time.time):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.limits, self.clock = path, limits, clock
        self._local = threading.local()
        with self._db() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS locks (id TEXT PRIMARY KEY, body BLOB NOT NULL, "
                "size INTEGER NOT NULL, stored_at REAL NOT NULL)"
            )

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def put(self, lock_id: str, body: bytes) -> None:
        """Store (or refresh) a lock, then drop expired and oldest locks beyond the limits."""
        now, db = self.clock(), self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT OR REPLACE INTO locks (id, body, size, stored_at) VALUES (?, ?, ?, ?)",
                (lock_id, body, len(body), now),
            )
            db.execute("DELETE FROM locks WHERE stored_at < ?", (now - self.limits.ttl,))
            rows = db.execute("SELECT id, size FROM locks ORDER BY stored_at DESC").fetchall()
            kept = total = 0
            for row_id, size in rows:
                kept, total = kept + 1, total + size
                if kept > self.limits.count or total > self.limits.bytes:
                    db.execute("DELETE FROM locks WHERE id = ?", (row_id,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def get(self, lock_id: str) -> bytes | None:
        """The stored lock, or None (never stored, expired or evicted)."""
        row = (
            self._db()
            .execute("SELECT body, stored_at FROM locks WHERE id = ?", (lock_id,))
            .fetchone()
        )
        if row is None or row[1] < self.clock() - self.limits.ttl:
            return None
        return row[0]


class RedisStore:
    """Locks in Redis (every replica shares them): a key per lock with its expiry, and a
    sorted set by storage time that bounds the count and bytes."""

    def __init__(self, url: str, limits: Limits, clock=time.time):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.limits, self.clock = limits, clock

    def put(self, lock_id: str, body: bytes) -> None:
        """Store (or refresh) a lock, then drop the oldest beyond the count and bytes limits."""
        now, index = self.clock(), PREFIX + "index"
        with self.client.pipeline(transaction=True) as pipe:
            pipe.set(PREFIX + lock_id, body, ex=max(1, int(self.limits.ttl)))
            pipe.zadd(index, {lock_id: now})
            pipe.hset(PREFIX + "sizes", lock_id, len(body))
            pipe.zremrangebyscore(index, "-inf", now - self.limits.ttl)
            pipe.execute()
        ids = [i.decode() for i in self.client.zrevrange(index, 0, -1)]
        sizes = self.client.hmget(PREFIX + "sizes", ids) if ids else []
        kept = total = 0
        dropped = []
        for row_id, size in zip(ids, sizes, strict=True):
            kept, total = kept + 1, total + int(size or 0)
            if kept > self.limits.count or total > self.limits.bytes:
                dropped.append(row_id)
        if dropped:
            with self.client.pipeline(transaction=True) as pipe:
                pipe.delete(*(PREFIX + i for i in dropped))
                pipe.zrem(index, *dropped)
                pipe.hdel(PREFIX + "sizes", *dropped)
                pipe.execute()

    def get(self, lock_id: str) -> bytes | None:
        """The stored lock, or None (never stored, expired or evicted)."""
        return self.client.get(PREFIX + lock_id)


def open_store(cache_url: str, state_dir: Path, limits: Limits):
    """The store the settings name: Redis for a redis:// cache URL, else SQLite in STATE_DIR."""
    if cache_url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(cache_url, limits)
    return SqliteStore(state_dir / "environments.sqlite", limits)

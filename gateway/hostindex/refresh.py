"""Keeping a channel's host index current: check the upstream, rebuild once, swap atomically.

On disk, per channel key under `STATE_DIR/index/<key>/`: `state.json` (which index file is
current, when it was built and checked, the upstream validators), the index files
`<version>.sqlite`, and `sources/` (the last good downloads, so an unchanged subdir needs no
new download when another one changes). Every worker of every gateway process on the host
reads the same files; a flock per key (gateway.locks.FileLocks) makes one of them do the work.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlsplit

import orjson
import redis
import requests
from cachetools import FIFOCache

from common.errors import UpstreamError
from common.errors import UpstreamInvalid
from common.settings import REPO_ROOT
from common.settings import Settings
from common.upstream_auth import authorization
from gateway.artifacts import iso as iso_utc
from gateway.breaker import Breakers
from gateway.breaker import CircuitOpenError
from gateway.hostindex.store import IndexFile
from gateway.http_cache import USER_AGENT
from gateway.locks import FileLocks
from gateway.shards.format import ShardIndex

log = logging.getLogger(__name__)

BUILD_LOG = "builds.log"  # one line per index build on this host (tests and operators read it)
MAX_MISSING = 1024


class NoSubdirs(LookupError):
    """The upstream has no repodata for any of the channel's subdirs (an unknown channel)."""


@dataclass(frozen=True)
class RepodataInput:
    """A subdir read whole: its repodata URLs in order of preference (`.zst` first)."""

    subdir: str
    urls: tuple[str, ...]
    download_base: str | None


@dataclass(frozen=True)
class ShardsInput:
    """A sharded subdir: every shard its index names goes into the index (in the background)."""

    subdir: str
    index: ShardIndex
    download_base: str | None


@dataclass(frozen=True)
class Plan:
    """What one channel's index is built from."""

    channel: str
    inputs: tuple[RepodataInput | ShardsInput, ...]
    facts: dict = field(default_factory=dict)
    credential: str = field(default="", repr=False)
    ttl: int = 300  # how long a shared-cache copy of an upstream document stays fresh

    @property
    def source(self) -> str:
        """`shards` or `repodata`: what the index is read from."""
        return "shards" if any(isinstance(i, ShardsInput) for i in self.inputs) else "repodata"


@dataclass(frozen=True)
class LiveIndex:
    """The current index of a channel, and how fresh it is."""

    file: IndexFile
    version: str
    source: str
    built_at: float
    checked_at: float
    expired: bool
    error: str | None

    def freshness(self, complete: bool = True) -> dict:
        """The `freshness` object of whole-channel answers."""
        return {
            "source": self.source,
            "index_built_at": iso_utc(self.built_at),
            "upstream_checked_at": iso_utc(self.checked_at),
            "stale": self.expired or self.error is not None,
            "complete": complete,
        }


@dataclass
class _Source:
    path: Path | None
    sha: str
    validators: dict
    temporary: bool = False


def _key_dir(root: Path, key: str) -> Path:
    return root / hashlib.sha256(key.encode()).hexdigest()[:24]


class HostIndexes:
    """The host's channel indexes, as one worker sees them."""

    def __init__(self, settings: Settings, breakers: Breakers | None = None, fetcher=None):
        self.settings = settings
        # with a shared (Redis) HTTP cache, whole repodata goes through it: one download per
        # change for all replicas; on one host (SQLite) it is streamed to disk instead
        self.fetcher = fetcher
        self.root = settings.state_dir / "index"
        self.root.mkdir(parents=True, exist_ok=True)
        self.locks = FileLocks(self.root / ".locks")
        self.breakers = breakers or Breakers(settings.breaker_failures, settings.breaker_reset)
        self._open: dict[Path, IndexFile] = {}
        self._files_of: dict[str, list[Path]] = {}
        self._states: dict[str, tuple[int, dict]] = {}
        self._missing: FIFOCache[str, float] = FIFOCache(maxsize=MAX_MISSING)
        self._background: set[str] = set()
        self._guard = threading.Lock()
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT

    # reading -----------------------------------------------------------------------------

    def _state(self, key: str) -> dict | None:
        path = _key_dir(self.root, key) / "state.json"
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        cached = self._states.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            state = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        self._states[key] = (stamp, state)
        return state

    def _file(self, key: str, path: Path) -> IndexFile:
        with self._guard:
            opened = self._open.get(path)
            if opened is None:
                opened = self._open[path] = IndexFile(path)
                # per channel: the current file and the previous one (requests may still be
                # reading it); older ones are closed
                files = self._files_of.setdefault(key, [])
                files.append(path)
                while len(files) > 2:
                    self._open.pop(files.pop(0)).close()
            return opened

    def _live(self, key: str, ttl: int) -> LiveIndex | None:
        state = self._state(key)
        if state is None:
            return None
        path = _key_dir(self.root, key) / state["file"]
        try:
            index = self._file(key, path)
        except Exception:  # sqlite3 errors: the file vanished or is damaged; rebuild
            log.warning("index file %s cannot be opened; it will be rebuilt", path.name)
            return None
        age = time.time() - state["checked_at"]
        window = ttl if not state.get("error") else min(ttl, self.settings.breaker_reset)
        return LiveIndex(
            file=index,
            version=state["version"],
            source=state.get("source", "repodata"),
            built_at=state["built_at"],
            checked_at=state["checked_at"],
            expired=age >= window,
            error=state.get("error"),
        )

    def _is_missing(self, key: str) -> bool:
        with self._guard:
            expiry = self._missing.get(key)
            if expiry is not None and expiry < time.monotonic():
                del self._missing[key]
                return False
            return expiry is not None

    def _note_missing(self, key: str, ttl: int) -> None:
        with self._guard:
            self._missing[key] = time.monotonic() + max(ttl, 1)

    # the interface ------------------------------------------------------------------------

    def current(self, key: str, plan, ttl: int) -> LiveIndex:
        """The channel's index; the first request on the host waits for its build.

        `plan` is a callable returning the Plan (called only when a check is due). Raises
        NoSubdirs when the upstream has none of the subdirs, UpstreamError when the first
        build cannot be made.
        """
        live = self._live(key, ttl)
        if live is not None:
            if live.expired:
                self._in_background(key, plan, ttl)
            return live
        if self._is_missing(key):
            raise NoSubdirs(key)
        with self.locks.hold(key, self.settings.index_build_wait) as acquired:
            live = self._live(key, ttl)
            if live is not None:
                return live
            if not acquired:
                raise UpstreamError(
                    "the channel's index is still being built; try again shortly",
                    code="index_building",
                )
            self._refresh(key, plan(), ttl)
        live = self._live(key, ttl)
        if live is None:
            raise NoSubdirs(key)
        return live

    def peek(self, key: str, plan, ttl: int) -> LiveIndex | None:
        """The channel's index if one is built (never waits); starts a build when due."""
        live = self._live(key, ttl)
        if live is None or live.expired:
            self._in_background(key, plan, ttl)
        return live

    # refreshing ---------------------------------------------------------------------------

    def _in_background(self, key: str, plan, ttl: int) -> None:
        with self._guard:
            if key in self._background:
                return
            self._background.add(key)

        def work():
            try:
                with self.locks.hold(key, 0) as acquired:
                    if not acquired:
                        return  # another worker on this host is on it
                    live = self._live(key, ttl)
                    if live is not None and not live.expired:
                        return
                    self._refresh(key, plan(), ttl)
            except Exception as error:  # noqa: BLE001 - a background check must not die loudly
                log.warning("background index refresh failed: %s", _describe(error))
            finally:
                with self._guard:
                    self._background.discard(key)

        threading.Thread(target=work, name="index-refresh", daemon=True).start()

    def _refresh(self, key: str, plan: Plan, ttl: int) -> None:
        """Check every input upstream; rebuild if anything changed (the caller holds the lock)."""
        folder = _key_dir(self.root, key)  # made only once something is found upstream
        state = self._state(key)
        sources: dict[str, _Source] = {}
        try:
            for item in plan.inputs:
                found = self._source(folder, item, state, plan)
                if found is not None:
                    sources[item.subdir] = found
        except UpstreamError as error:
            self._failed(folder, state, ttl, error.message, sources)
            raise
        if not sources:
            self._note_missing(key, ttl)
            return
        facts = orjson.dumps(plan.facts, option=orjson.OPT_SORT_KEYS)
        version = hashlib.blake2b(
            orjson.dumps(sorted((s, src.sha) for s, src in sources.items()))
            + facts
            + plan.source.encode(),
            digest_size=12,
        ).hexdigest()
        now = time.time()
        if state is not None and state["version"] == version:
            self._cleanup(sources)
            self._write_state(folder, {**state, "checked_at": now, "error": None})
            return
        try:
            counts = self._build(folder, plan, sources, version)
        except UpstreamInvalid as error:
            self._failed(folder, state, ttl, error.message, sources)
            raise
        validators = dict(state.get("validators", {})) if state else {}
        for subdir, src in sources.items():
            if src.temporary and src.path is not None:
                final = folder / "sources" / f"{subdir}-{src.validators['url'].rsplit('/', 1)[-1]}"
                os.replace(src.path, final)
                src.validators["path"] = str(final)
            validators[subdir] = src.validators
        self._write_state(
            folder,
            {
                "version": version,
                "file": f"{version}.sqlite",
                "source": plan.source,
                "built_at": now,
                "checked_at": now,
                "validators": validators,
                "subdirs": sorted(sources),
                "error": None,
            },
        )
        with open(self.root / BUILD_LOG, "a", encoding="utf-8") as handle:
            handle.write(
                orjson.dumps(
                    {"channel": plan.channel, "version": version, "pid": os.getpid(), **counts}
                ).decode()
                + "\n"
            )
        self._prune(folder, keep={f"{version}.sqlite", state["file"] if state else ""})
        log.info("channel %s: index %s built (%s records)", plan.channel, version, counts)

    def _failed(self, folder, state, ttl, message, sources) -> None:
        self._cleanup(sources)
        log.warning("index refresh failed: %s", message)
        if state is not None:
            # keep serving the last good index; try again after the breaker interval
            retry = time.time() - ttl + min(ttl, self.settings.breaker_reset)
            self._write_state(folder, {**state, "checked_at": retry, "error": message})

    @staticmethod
    def _cleanup(sources: dict[str, _Source]) -> None:
        for src in sources.values():
            if src.temporary and src.path is not None:
                src.path.unlink(missing_ok=True)

    @staticmethod
    def _write_state(folder: Path, state: dict) -> None:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".state-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps(state))
        os.replace(temporary, folder / "state.json")

    @staticmethod
    def _prune(folder: Path, keep: set[str]) -> None:
        for path in folder.glob("*.sqlite"):
            if path.name not in keep:
                path.unlink(missing_ok=True)

    def _build(self, folder: Path, plan: Plan, sources: dict[str, _Source], version: str):
        entries = []
        for item in plan.inputs:
            src = sources.get(item.subdir)
            if src is None:
                continue
            if isinstance(item, ShardsInput):
                entries.append(
                    {
                        "subdir": item.subdir,
                        "kind": "shards",
                        "shards": item.index.shards,
                        "shards_base_url": item.index.shards_base_url,
                        "download_base": item.download_base,
                    }
                )
            else:
                entries.append(
                    {
                        "subdir": item.subdir,
                        "kind": "repodata",
                        "path": str(src.path),
                        "download_base": src.validators.get("download_base") or item.download_base,
                    }
                )
        spec = {
            "version": version,
            "subdirs": entries,
            "facts": plan.facts,
            "shard_store": str(self.settings.state_dir / "shards"),
        }
        (folder / "sources").mkdir(parents=True, exist_ok=True)
        spec_path = folder / f".spec-{version}.json"
        spec_path.write_bytes(orjson.dumps(spec))
        out = folder / f".building-{version}.sqlite"
        try:
            done = subprocess.run(
                [sys.executable, "-m", "gateway.hostindex.build", str(spec_path), str(out)],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=self.settings.index_build_timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            out.unlink(missing_ok=True)
            raise UpstreamInvalid(
                f"the index of channel {plan.channel!r} took too long to build",
                code="index_build_failed",
            ) from None
        finally:
            spec_path.unlink(missing_ok=True)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["unknown failure"])[-1]
            raise UpstreamInvalid(
                f"the upstream of channel {plan.channel!r} sent repodata we cannot index "
                f"({reason.removeprefix('index build failed: ')})",
                code="index_build_failed",
            )
        os.replace(out, folder / f"{version}.sqlite")
        return orjson.loads(done.stdout.strip().splitlines()[-1])

    # upstream documents -------------------------------------------------------------------

    def _source(self, folder: Path, item, state: dict | None, plan: Plan) -> _Source | None:
        if isinstance(item, ShardsInput):
            digest = hashlib.blake2b(
                orjson.dumps(sorted(item.index.shards.items())), digest_size=16
            ).hexdigest()
            return _Source(None, digest, {})
        previous = (state or {}).get("validators", {}).get(item.subdir)
        for url in item.urls:
            found = (
                self._local(url, previous)
                if url.startswith("file:")
                else self._download(folder, url, previous, plan)
            )
            if found is not None:
                return found
        return None

    @staticmethod
    def _local(url: str, previous: dict | None) -> _Source | None:
        path = Path(unquote(urlsplit(url).path))
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        marks = {"url": url, "mtime_ns": stat.st_mtime_ns, "size": stat.st_size}
        if previous and all(previous.get(k) == v for k, v in marks.items()):
            return _Source(path, previous["sha"], previous)
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return _Source(path, digest.hexdigest(), {**marks, "sha": digest.hexdigest()})

    def _shared_cache(self) -> bool:
        return self.fetcher is not None and bool(self.settings.cache_redis_url)

    def _download(self, folder: Path, url: str, previous: dict | None, plan: Plan):
        if self._shared_cache():
            try:
                return self._download_cached(folder, url, previous, plan)
            except redis.RedisError as error:
                log.warning("shared cache unavailable (%s); downloading", type(error).__name__)
        return self._download_streamed(folder, url, previous, plan)

    def _download_cached(self, folder: Path, url: str, previous: dict | None, plan: Plan):
        """Through the shared HTTP cache (requests-cache on Redis): one replica downloads."""
        headers = authorization(plan.credential)
        try:
            # one replica fetches; the others wait and read what it stored
            with self.fetcher.shared_locks.hold(url, self.settings.lock_wait):
                response = self.fetcher.session.get(
                    url,
                    headers=headers,
                    expire_after=plan.ttl,
                    timeout=self.settings.upstream_timeout,
                )
        except (requests.RequestException, OSError) as error:
            log.warning("upstream for channel %s failed: %s", plan.channel, _describe(error))
            raise self._unavailable(plan) from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._unavailable(plan)
        data = response.content
        sha = hashlib.sha256(data).hexdigest()
        if previous and previous.get("sha") == sha and Path(previous.get("path", "")).is_file():
            return _Source(Path(previous["path"]), sha, previous)
        (folder / "sources").mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(
            dir=folder / "sources", prefix=".download-", suffix="." + url.rsplit("/")[-1]
        )
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return _Source(Path(temporary), sha, {"url": url, "sha": sha}, temporary=True)

    def _download_streamed(self, folder: Path, url: str, previous: dict | None, plan: Plan):
        headers = authorization(plan.credential)
        reusable = (
            previous is not None
            and previous.get("url") == url
            and Path(previous.get("path", "/nonexistent")).is_file()
        )
        if reusable:
            if previous.get("etag"):
                headers["If-None-Match"] = previous["etag"]
            if previous.get("last_modified"):
                headers["If-Modified-Since"] = previous["last_modified"]
        breaker = self.breakers.for_url(url)
        try:
            breaker.before_call()
        except CircuitOpenError:
            raise self._unavailable(plan) from None
        try:
            with self._session.get(
                url, headers=headers, stream=True, timeout=self.settings.upstream_timeout
            ) as response:
                if response.status_code == 404:
                    breaker.record_success()
                    return None
                if response.status_code == 304 and reusable:
                    breaker.record_success()
                    return _Source(Path(previous["path"]), previous["sha"], previous)
                if response.status_code != 200:
                    raise requests.HTTPError(f"HTTP {response.status_code}")
                digest = hashlib.sha256()
                (folder / "sources").mkdir(parents=True, exist_ok=True)
                fd, temporary = tempfile.mkstemp(
                    dir=folder / "sources", prefix=".download-", suffix="." + url.rsplit("/")[-1]
                )
                with os.fdopen(fd, "wb") as handle:
                    for chunk in response.iter_content(1 << 20):
                        digest.update(chunk)
                        handle.write(chunk)
                validators = {
                    "url": url,
                    "sha": digest.hexdigest(),
                    "etag": response.headers.get("ETag"),
                    "last_modified": response.headers.get("Last-Modified"),
                }
        except (requests.RequestException, OSError) as error:
            breaker.record_failure()
            log.warning("upstream for channel %s failed: %s", plan.channel, _describe(error))
            raise self._unavailable(plan) from None
        breaker.record_success()
        if reusable and validators["sha"] == previous.get("sha"):
            Path(temporary).unlink(missing_ok=True)
            return _Source(Path(previous["path"]), previous["sha"], {**previous, **validators})
        return _Source(Path(temporary), validators["sha"], validators, temporary=True)

    @staticmethod
    def _unavailable(plan: Plan) -> UpstreamError:
        return UpstreamError(
            f"the upstream of channel {plan.channel!r} is unavailable and nothing is indexed",
            details={"channel": plan.channel},
        )


def _describe(error: object) -> str:
    return error if isinstance(error, str) else type(error).__name__


_registry: dict[Path, HostIndexes] = {}
_registry_guard = threading.Lock()


def host_indexes(settings: Settings, breakers: Breakers | None = None, fetcher=None) -> HostIndexes:
    """This process's view of the host's indexes under settings.state_dir (one per folder)."""
    with _registry_guard:
        found = _registry.get(settings.state_dir)
        if found is None:
            found = _registry[settings.state_dir] = HostIndexes(settings, breakers, fetcher)
        return found

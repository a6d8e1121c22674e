"""`conda-badges-purge CHANNEL`: withdraw one channel's answers from edge caches and Redis now.

For when a package was removed or a channel made private and the documented bound
(docs/deploying.md, "How long withdrawn data stays public") is too long: it deletes, in every
edge cache folder given (`--edge-cache`, once per edge replica), each stored answer whose URL
names the channel (its API, badge, SBOM and page URLs, and the listings that may name it), and
the gateway's shared response-cache entries for the channel in Redis. An edge then answers
those URLs afresh from a gateway, whose workers drop their memory copies of the Redis entries
within `LOCAL_RECHECK` seconds (gateway/response_cache.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl
from urllib.parse import unquote
from urllib.parse import urlsplit

from common.settings import Settings
from gateway.response_cache import REDIS_PREFIX

if TYPE_CHECKING:
    import redis

# pages that list channels by name: purged with any channel
LISTINGS = frozenset({"/", "/api/channels", "/ui/fragments/results"})
_NOT_CHANNELS = frozenset({"api", "ui", "t", "static", ".well-known", "edge-healthz", ""})
_KEY_LINE = b"\nKEY: "
_HEADER_BYTES = 65536  # a cache file's header (binary fields, then the KEY line) fits in this


def channel_of_path(path: str) -> str | None:
    """The channel a request path is about (lower-cased), or None."""
    parts = unquote(path).split("/")
    if parts[1:3] == ["api", "channels"] and len(parts) > 3:
        return parts[3].lower() or None
    if parts[1:3] == ["ui", "fragments"] and len(parts) > 4:
        return parts[4].lower() or None
    first = parts[1].lower() if len(parts) > 1 else ""
    return None if first in _NOT_CHANNELS else first


def names_channel(url: str, channel: str) -> bool:
    """Whether the answer to `url` (a path, or a full URL) may show `channel`."""
    parts = urlsplit(url)
    path = parts.path or "/"
    asked = dict(parse_qsl(parts.query)).get("channel")
    if path in LISTINGS:  # a listing filtered to another channel does not show this one
        return asked is None or asked.lower() == channel.lower()
    return channel_of_path(path) == channel.lower()


def edge_entry_key(file: Path) -> str | None:
    """The cache key nginx stored in a cache file's header (`KEY: ...`), or None."""
    try:
        with file.open("rb") as handle:
            head = handle.read(_HEADER_BYTES)
    except OSError:
        return None
    start = head.find(_KEY_LINE)
    end = head.find(b"\n", start + len(_KEY_LINE)) if start >= 0 else -1
    if end < 0:
        return None
    return head[start + len(_KEY_LINE) : end].decode("latin-1")


def purge_edge(cache_dir: Path, channel: str) -> int:
    """Delete the entries of one edge cache folder that may show `channel`; how many."""
    removed = 0
    for file in cache_dir.rglob("*"):
        if not file.is_file() or file.name.startswith("."):
            continue
        key = edge_entry_key(file)
        if key is not None and names_channel(key, channel):
            file.unlink(missing_ok=True)
            removed += 1
    return removed


def response_key_path(key: str) -> str:
    """The request path inside a gateway response-cache key (gateway/cache_keys.py)."""
    fields = key.split(" ")
    return unquote(fields[1]) if len(fields) > 1 else ""


def purge_redis(client: redis.Redis, channel: str) -> int:
    """Delete the gateway's shared response-cache entries for `channel`; how many."""
    doomed = []
    for raw in client.scan_iter(match=REDIS_PREFIX + "*", count=1000):
        key = raw.decode("utf-8", "replace")[len(REDIS_PREFIX) :]
        if channel_of_path(response_key_path(key)) == channel.lower():
            doomed.append(raw)
    for start in range(0, len(doomed), 500):
        client.delete(*doomed[start : start + 500])
    return len(doomed)


def main(argv: list[str] | None = None) -> int:
    """Purge one channel from the edge caches and Redis given; print what was removed."""
    parser = argparse.ArgumentParser(prog="conda-badges-purge", description=__doc__)
    parser.add_argument("channel", help="the channel whose answers to withdraw")
    parser.add_argument(
        "--edge-cache", type=Path, action="append", default=[], help="an edge's cache folder"
    )
    parser.add_argument("--redis", default=None, help="Redis URL (default GATEWAY_CACHE_URL)")
    args = parser.parse_args(argv)
    redis_url = args.redis if args.redis is not None else Settings.from_env().cache_url
    if not args.edge_cache and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        parser.error("nothing to purge: give --edge-cache and/or --redis")
    for folder in args.edge_cache:
        if not folder.is_dir():
            parser.error(f"{folder} is not an edge cache folder")
        print(f"{folder}: {purge_edge(folder, args.channel)} entries removed")
    if redis_url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(redis_url, socket_timeout=5)
        try:
            print(f"Redis: {purge_redis(client, args.channel)} response-cache entries removed")
        except redis.RedisError as error:
            print(f"Redis: unavailable ({type(error).__name__})", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

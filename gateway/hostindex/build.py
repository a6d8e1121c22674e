"""Build one index file from a channel's upstream documents (run as its own process).

`python -m gateway.hostindex.build SPEC OUT` reads SPEC (JSON: the subdirs, each a downloaded
repodata.json[.zst] or a CEP-16 shard index whose shards it fetches into the shard store, and
the channel's descriptive facts) and writes the SQLite index OUT. It runs in a process of its
own so that parsing a million records never lands in a gateway worker's memory.
"""

from __future__ import annotations

import io
import resource
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import orjson
import requests
import zstandard

from common.specs import spec_name
from gateway import artifacts
from gateway.hostindex.store import INDEXES
from gateway.hostindex.store import SCHEMA
from gateway.http_cache import MAX_REPODATA_BYTES
from gateway.models import PackageInfo
from gateway.records import is_record
from gateway.records import package_file
from gateway.shards import ShardStore
from gateway.shards.format import normalize_record

_DESCRIPTIVE = ("summary", "description", "license", "home", "dev_url", "doc_url")


class BuildError(Exception):
    """The upstream documents cannot be indexed (truncated, not repodata, ...)."""


class _Repodata(msgspec.Struct):
    info: dict = {}
    packages: dict[str, msgspec.Raw] = {}
    packages_conda: dict[str, msgspec.Raw] = msgspec.field(
        default_factory=dict, name="packages.conda"
    )
    removed: list[str] = []


class _Light(msgspec.Struct):
    """The fields of a record that summaries and dependants need."""

    name: str | None = None
    version: str | int | float | None = None
    depends: list[str] = []
    license: str | None = None
    timestamp: int | float | None = None


def read_repodata(path: Path) -> bytes:
    """The repodata.json bytes of a downloaded `.json` or `.json.zst` file."""
    data = path.read_bytes()
    if not path.name.endswith(".zst"):
        return data
    decompressor = zstandard.ZstdDecompressor().decompressobj()
    out = io.BytesIO()
    try:
        for start in range(0, len(data), 1 << 20):
            out.write(decompressor.decompress(data[start : start + (1 << 20)]))
            if out.tell() > MAX_REPODATA_BYTES:
                raise BuildError("repodata.json.zst decompresses to more than 4 GiB")
    except zstandard.ZstdError as error:
        raise BuildError(f"repodata.json.zst is not valid zstd ({error})") from error
    if not decompressor.eof:
        raise BuildError("repodata.json.zst is truncated")
    return out.getvalue()


def load_repodata(path: Path) -> _Repodata:
    """A repodata file with its records left as raw JSON (parsed one by one later)."""
    try:
        return msgspec.json.decode(read_repodata(path), type=_Repodata)
    except msgspec.ValidationError as error:
        raise BuildError(
            f"{path.name.rsplit('.download-', 1)[-1]} is not repodata ({error})"
        ) from error
    except msgspec.DecodeError as error:
        raise BuildError(
            f"{path.name.rsplit('.download-', 1)[-1]} is not valid JSON ({error})"
        ) from error


def repodata_records(document: _Repodata) -> Iterator[tuple[str, bytes, _Light]]:
    """(filename, raw record JSON, light fields) of every package in a repodata file."""
    removed = set(document.removed)
    light_decoder = msgspec.json.Decoder(_Light)
    for group in (document.packages, document.packages_conda):
        for filename, raw in group.items():
            if filename in removed:
                continue
            try:
                light = light_decoder.decode(raw)
            except msgspec.DecodeError:
                continue  # an entry that is not a record object: skipped, as before
            if light.name and light.version is not None:
                yield filename, bytes(raw), light


def shard_records(entry: dict, store: ShardStore) -> Iterator[tuple[str, bytes, _Light]]:
    """(filename, record JSON, light fields) of every shard a shard index names."""
    session = requests.Session()
    base = entry["shards_base_url"]
    for digest in sorted(set(entry["shards"].values())):

        def fetch(digest=digest) -> bytes:
            response = session.get(f"{base}{digest}.msgpack.zst", timeout=(3.05, 30))
            if response.status_code != 200:
                raise BuildError(f"shard {digest[:12]}... answered {response.status_code}")
            return response.content

        for filename, record in store.get(digest, fetch).items():
            if not is_record(record):
                continue
            raw = orjson.dumps(normalize_record(record), default=_jsonable)
            yield filename, raw, msgspec.json.decode(raw, type=_Light)


def _jsonable(value: object) -> object:
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value).__name__)


def build(spec: dict, out: Path) -> dict:
    """Write the index `out` for `spec`; returns counts for the log."""
    started = time.monotonic()
    out.unlink(missing_ok=True)
    db = sqlite3.connect(out)
    db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
    facts = spec.get("facts") or {}
    light_by_name: dict[str, list[tuple[str, str, _Light]]] = {}
    count = 0
    for entry in spec["subdirs"]:
        subdir, base = entry["subdir"], entry.get("download_base")
        if entry["kind"] == "repodata":
            document = load_repodata(Path(entry["path"]))
            # repodata v2: info.base_url says where the files are
            base = (document.info or {}).get("base_url") or base
            rows = repodata_records(document)
        else:
            rows = shard_records(entry, ShardStore(Path(spec["shard_store"])))
        db.execute("INSERT INTO subdirs VALUES (?, ?)", (subdir, base))
        batch = []
        for filename, raw, light in rows:
            batch.append((light.name, subdir, filename, raw))
            light_by_name.setdefault(light.name, []).append((subdir, filename, light))
            if len(batch) >= 20000:
                db.executemany("INSERT INTO records VALUES (?, ?, ?, ?)", batch)
                count += len(batch)
                batch.clear()
        db.executemany("INSERT INTO records VALUES (?, ?, ?, ?)", batch)
        count += len(batch)
    packages, dependants = _summaries(light_by_name, facts)
    db.executemany("INSERT INTO packages VALUES (?, ?, ?)", packages)
    db.executemany("INSERT INTO dependants VALUES (?, ?, ?, ?)", dependants)
    db.executescript(INDEXES)
    meta = {
        "records": str(count),
        "packages": str(len(packages)),
        "version": spec["version"],
        "built_at": str(time.time()),
    }
    db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    db.commit()
    db.execute("VACUUM")
    db.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        **meta,
        "seconds": round(time.monotonic() - started, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def _summaries(
    light_by_name: dict[str, list[tuple[str, str, _Light]]], facts: dict
) -> tuple[list[tuple], list[tuple]]:
    """The packages rows (facts, summary) and dependants rows, with the API's own functions."""
    packages, dependants = [], []
    for name in sorted(light_by_name):
        entries = light_by_name[name]
        files = tuple(
            package_file(
                filename,
                {
                    "name": name,
                    "version": light.version,
                    "depends": light.depends,
                    "license": light.license,
                    "timestamp": light.timestamp,
                },
                subdir,
                None,
            )
            for subdir, filename, light in entries
        )
        described = facts.get(name) or {}
        info = PackageInfo(name=name, files=files, **{k: described.get(k) for k in _DESCRIPTIVE})
        summary = artifacts.artifact_summary(info, private=False)
        packages.append((name, orjson.dumps(described), orjson.dumps(summary)))
        seen = set()
        for file in artifacts.latest_files(info):
            for spec in file.depends:
                target = spec_name(spec)
                if target == name or target in seen:
                    continue
                seen.add(target)
                dependants.append((target, name, file.version, spec))
    return packages, dependants


def main(argv: list[str]) -> int:
    """Command line: build SPEC OUT; exit 2 with a one-line reason when it cannot."""
    spec_path, out = Path(argv[0]), Path(argv[1])
    try:
        result = build(orjson.loads(spec_path.read_bytes()), out)
    except (BuildError, OSError, ValueError) as error:
        out.unlink(missing_ok=True)
        print(f"index build failed: {error}", file=sys.stderr)
        return 2
    print(orjson.dumps(result).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

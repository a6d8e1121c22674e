"""Test channels for issue 15, made from the repo's real data at test time.

- `rattler_channel(...)`: real package files indexed by py-rattler's own indexer
  (`rattler.index.index_fs(..., write_shards=True, write_zst=True)`), as a sharded copy and a
  whole copy (the same indexer run, the shard files removed).
- `fixture_channel(...)`: conda's real CEP-16 fixture (data/sharded/conda-format-repo) next to
  the `main` channel's channeldata.json, and the same subdir as whole repodata.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from rattler.index import index_fs

from tests.conftest import CHANNELS
from tests.conftest import DATA

SHARD_INDEX = "repodata_shards.msgpack.zst"


def rattler_channel(source: str, destination: Path) -> tuple[Path, Path]:
    """(sharded root, whole root) of channel `source` indexed by py-rattler."""
    sharded = destination / "sharded"
    shutil.copytree(CHANNELS / source, sharded)
    for old in sharded.glob("*/*repodata*.json"):
        old.unlink()  # the indexer writes its own
    asyncio.run(index_fs(sharded, write_zst=True, write_shards=True, force=True))
    whole = destination / "whole"
    shutil.copytree(sharded, whole)
    for index in whole.glob(f"*/{SHARD_INDEX}"):
        index.unlink()
    for folder in whole.glob("*/shards"):
        shutil.rmtree(folder)
    return sharded, whole


def fixture_channel(destination: Path) -> tuple[Path, Path]:
    """(sharded root, whole root): conda's shard fixture and main's linux-64, same channeldata."""
    sharded = destination / "fixture-sharded"
    shutil.copytree(DATA / "sharded" / "conda-format-repo", sharded)
    shutil.copy(CHANNELS / "main" / "channeldata.json", sharded / "channeldata.json")
    whole = destination / "fixture-whole"
    (whole / "linux-64").mkdir(parents=True)
    shutil.copy(CHANNELS / "main" / "linux-64" / "repodata.json", whole / "linux-64")
    shutil.copy(CHANNELS / "main" / "channeldata.json", whole / "channeldata.json")
    return sharded, whole

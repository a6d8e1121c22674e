"""SBOM facts from the embedded channels' repodata: now runner/realdata.py (re-exported here)."""

import dataclasses

from contents.archive import read_range
from runner.embedded import local_ref
from runner.rangeserver import RangeServer
from runner.realdata import *  # noqa: F403
from runner.realdata import facts_for
from runner.realdata import find
from tests.contents.conftest import ZLIB_CONDA


def range_read_facts():
    """zlib's facts with its contents read as a remote .conda is: by range requests, for real."""
    server = RangeServer(ZLIB_CONDA.parent.parent)
    try:
        ref = local_ref(ZLIB_CONDA, url=f"{server.url}/linux-64/{ZLIB_CONDA.name}")
        contents = read_range(ref, (2.0, 10.0), 64 * 1024 * 1024)
    finally:
        server.close()
    assert contents["archive"]["read"] == "range"
    record = find("main", "linux-64", ZLIB_CONDA.name)
    return dataclasses.replace(facts_for(record), contents=contents)

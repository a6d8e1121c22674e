"""SBOM facts from the embedded channels' repodata: now runner/realdata.py (re-exported here)."""

from runner.realdata import *  # noqa: F403

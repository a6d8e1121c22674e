"""The Range-serving loopback server now lives in runner/rangeserver.py (kept importable here)."""

from runner.rangeserver import RangeServer  # noqa: F401

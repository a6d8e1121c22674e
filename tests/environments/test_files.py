"""`with_files` (pure): which packages get their files, in report order up to the bound; every
other package says why not (a fake contents reader: unit test)."""

from __future__ import annotations

from environments.files import NOT_FROM_CHANNEL
from environments.files import OFFLINE
from environments.files import PYPI_ENTRY
from environments.files import with_files


def _row(key: str, kind: str = "conda", origin: str = "channel", note: str | None = None):
    return {"key": key, "kind": kind, "origin": origin, "note": note}


def _report(*rows) -> dict:
    return {"packages": list(rows)}


def test_the_bound_counts_reads_tried_and_every_other_package_says_why():
    asked = []

    def fetch(row):
        asked.append(row["key"])
        return "unreadable now" if row["key"] == "b" else {"paths": [{"path": f"{row['key']}.h"}]}

    report = _report(
        _row("a"),
        _row("p", kind="pypi"),
        _row("l", origin="lock", note="another sha256"),
        _row("b"),
        _row("c"),
    )
    files = {r["key"]: r["files"] for r in with_files(report, fetch, 2)["packages"]}
    assert asked == ["a", "b"]  # a failed read counts against the bound too
    assert files["a"] == {"expanded": True, "reason": None, "paths": [{"path": "a.h"}]}
    assert files["p"]["reason"] == PYPI_ENTRY
    assert files["l"]["reason"] == f"{NOT_FROM_CHANNEL} (another sha256)"
    assert files["b"] == {"expanded": False, "reason": "unreadable now"}
    assert "limit of 2" in files["c"]["reason"]


def test_offline_nothing_is_expanded_and_the_summary_lists_all():
    report = with_files(_report(_row("a"), _row("b")), None, 0)
    assert report["files"]["expanded"] == 0
    assert [n["reason"] for n in report["files"]["not_expanded"]] == [OFFLINE, OFFLINE]

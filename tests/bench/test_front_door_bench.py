"""The front-door benchmark pairs runs: the best per side, taken in turn, every error kept."""

from __future__ import annotations

from bench import front_door_bench
from bench.load import WrkResult


def test_best_pair_takes_turns_keeps_the_best_run_and_counts_every_error(monkeypatch):
    calls: list[str] = []
    rps = {"edge": iter([900.0, 2400.0, 2300.0]), "static": iter([1500.0, 700.0, 1400.0])}
    errors = {"edge": iter([0, 0, 2]), "static": iter([1, 0, 0])}

    def fake_wrk(name: str, url: str, connections: int, seconds: int = 8) -> WrkResult:
        calls.append(url)
        return WrkResult(name, 10, next(errors[url]), next(rps[url]), 1.0, 2.0)

    monkeypatch.setattr(front_door_bench, "run_wrk", fake_wrk)
    measured, baseline = front_door_bench.best_pair(("e", "edge"), ("s", "static"), 8)
    assert calls == ["edge", "static"] * 3
    assert (measured.name, measured.rps, measured.errors) == ("e", 2400.0, 2)
    assert (baseline.name, baseline.rps, baseline.errors) == ("s", 1500.0, 1)

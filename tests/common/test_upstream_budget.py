"""The per-request upstream budget: spend, refuse past the limit, nothing counted outside."""

import pytest

from common import upstream_budget


def test_a_budget_allows_its_limit_then_refuses_with_429():
    budget = upstream_budget.begin(2)
    try:
        upstream_budget.spend()
        upstream_budget.spend()
        with pytest.raises(upstream_budget.UpstreamBudgetExhausted) as refused:
            upstream_budget.spend()
        assert refused.value.status == 429 and refused.value.code == "upstream_budget_exhausted"
        assert budget.spent == 2 and refused.value.details == {"limit": 2}
    finally:
        assert upstream_budget.end() is budget
    assert upstream_budget.current() is None


def test_nothing_is_counted_outside_a_request():
    for _ in range(100):
        upstream_budget.spend()
    assert upstream_budget.current() is None

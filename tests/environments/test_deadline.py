"""The environments time limit (unit): no limit, a limit not reached, a limit passed."""

from __future__ import annotations

import pytest

from environments import deadline


def test_check_raises_only_past_the_limit():
    deadline.begin(0)  # 0: no limit
    deadline.check()
    deadline.begin(3600)
    deadline.check()
    deadline.begin(1e-9)
    with pytest.raises(deadline.EnvironmentTimeout) as raised:
        deadline.check()
    error = raised.value
    assert (error.status, error.code) == (503, "environment_timeout")
    assert int(error.headers["Retry-After"]) > 0
    deadline.end()
    deadline.check()

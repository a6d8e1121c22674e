"""The per-host circuit breaker: open after failures, one probe per interval, never serial."""

import threading

import pytest

from gateway.breaker import Breakers
from gateway.breaker import CircuitBreaker
from gateway.breaker import CircuitOpenError


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_opens_after_fail_max_and_allows_one_probe_per_interval():
    clock = Clock()
    breaker = CircuitBreaker(fail_max=3, reset_timeout=10, clock=clock)
    for _ in range(3):
        assert breaker.before_call() is False
        breaker.record_failure()
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError):
        breaker.before_call()
    clock.now += 10
    assert breaker.before_call() is True  # the probe
    with pytest.raises(CircuitOpenError):  # only one probe at a time
        breaker.before_call()
    breaker.record_failure()  # a failed probe opens it again for a whole interval
    with pytest.raises(CircuitOpenError):
        breaker.before_call()
    clock.now += 10
    assert breaker.before_call() is True
    breaker.record_success()
    assert breaker.state == "closed" and breaker.before_call() is False


def test_successes_reset_the_count():
    breaker = CircuitBreaker(fail_max=2, reset_timeout=10)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_calls_are_not_serialized():
    """Unlike pybreaker, a slow call does not hold the breaker's lock."""
    breaker = CircuitBreaker(fail_max=3, reset_timeout=10)
    inside = threading.Barrier(2, timeout=2)

    def call():
        breaker.before_call()
        inside.wait()  # both calls must be in flight at once, or this times out
        breaker.record_success()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert not inside.broken


def test_one_breaker_per_host():
    breakers = Breakers(3, 10)
    a = breakers.for_url("https://conda.example.org/main/noarch/repodata.json")
    assert a is breakers.for_url("https://conda.example.org/other/channeldata.json")
    assert a is not breakers.for_url("https://api.anaconda.org/package/x/y")

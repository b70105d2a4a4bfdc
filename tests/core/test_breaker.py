"""The per-process circuit breaker that the cache and the live pushes use (core.breaker)."""

import time

from core.breaker import Breaker

INTERVAL = 1.0  # long enough that no stall of a busy machine ends it early


def test_every_call_is_admitted_while_nothing_fails():
    breaker = Breaker(INTERVAL)
    assert all(breaker.admits() for _ in range(10))
    assert not breaker.succeeded()  # no outage to end


def test_after_a_failure_no_call_is_admitted_until_the_interval_passes():
    breaker = Breaker(INTERVAL)
    assert breaker.failed()
    assert not any(breaker.admits() for _ in range(10))
    time.sleep(INTERVAL + 0.05)
    assert breaker.admits()


def test_a_failed_try_waits_another_interval():
    breaker = Breaker(INTERVAL)
    breaker.failed()
    time.sleep(INTERVAL + 0.05)
    assert breaker.admits()
    assert not breaker.failed()  # not the first failure of the outage: not worth a log line
    assert not breaker.admits()


def test_a_success_ends_the_outage():
    breaker = Breaker(INTERVAL)
    breaker.failed()
    assert breaker.succeeded()
    assert all(breaker.admits() for _ in range(3))
    assert breaker.failed()  # the next failure starts a new outage

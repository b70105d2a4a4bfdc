"""The per-process circuit breaker that the cache and the live pushes use (core.breaker)."""

import time
from concurrent.futures import ThreadPoolExecutor

from core.breaker import Breaker

INTERVAL = 0.2


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


def test_after_the_interval_one_of_many_concurrent_calls_is_admitted():
    breaker = Breaker(INTERVAL)
    breaker.failed()
    time.sleep(INTERVAL + 0.05)
    with ThreadPoolExecutor(max_workers=8) as pool:
        admitted = list(pool.map(lambda _: breaker.admits(), range(8)))
    assert admitted.count(True) == 1


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

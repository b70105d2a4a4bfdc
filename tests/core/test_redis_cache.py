"""The Redis cache keeps one connection pool per process, whatever Django does per request.

Under ASGI each request gets a cache backend of its own; with Django's own backend each of
those opened a new connection to Redis. Runs whenever Redis answers (REDIS_URL, or
127.0.0.1:6379).
"""

import os
import runpy
import threading
from pathlib import Path

import pytest
import redis

from core.redis_cache import SharedPoolRedisCache

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
SETTINGS = Path(__file__).resolve().parents[2] / "edusphere" / "settings.py"
REQUESTS = 20


@pytest.fixture
def admin_connection():
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    yield connection
    connection.close()


def _connections_received(connection) -> int:
    return connection.info("stats")["total_connections_received"]


def _one_request(results: list, index: int) -> None:
    # What Django does for each request under ASGI: a new backend, in a new thread.
    backend = SharedPoolRedisCache(REDIS_URL, {})
    backend.set(f"edusphere-test-cache:{index}", index, 30)
    results.append(backend.get(f"edusphere-test-cache:{index}"))


def test_backends_made_per_request_share_one_connection(admin_connection):
    first_use = threading.Thread(target=_one_request, args=([], -1))
    first_use.start()
    first_use.join()
    before = _connections_received(admin_connection)
    results: list[int] = []
    for index in range(REQUESTS):
        thread = threading.Thread(target=_one_request, args=(results, index))
        thread.start()
        thread.join()
    assert sorted(results) == list(range(REQUESTS))
    # Other clients of this Redis may connect meanwhile; one connection per request may not.
    assert _connections_received(admin_connection) - before <= 2


def test_settings_use_the_shared_pool_backend_with_redis(monkeypatch):
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.delenv("CACHE_KEY_PREFIX", raising=False)
    caches = runpy.run_path(str(SETTINGS))["CACHES"]
    assert caches["default"]["BACKEND"] == "core.redis_cache.ResilientRedisCache"
    assert caches["default"]["KEY_PREFIX"] == ""
    # A hung Redis costs a quarter of a second, not redis-py's default of 5 s.
    assert caches["default"]["OPTIONS"]["socket_timeout"] <= 0.25
    assert caches["default"]["OPTIONS"]["socket_connect_timeout"] <= 0.25

    # Two sites sharing one Redis database keep apart by prefix.
    monkeypatch.setenv("CACHE_KEY_PREFIX", "second-site")
    caches = runpy.run_path(str(SETTINGS))["CACHES"]
    assert caches["default"]["KEY_PREFIX"] == "second-site"


def test_replies_are_parsed_by_hiredis(admin_connection):
    # The C parser: redis-py's pure-Python one costs a measurable share of every page that
    # reads the cache (docs/bench.md). Installed through the redis[hiredis] extra.
    backend = SharedPoolRedisCache(REDIS_URL, {})
    backend.set("edusphere-test-cache:parser", "x", 30)
    pool = backend._cache.get_client().connection_pool
    connection = pool.get_connection()
    try:
        assert type(connection._parser).__name__ == "_HiredisParser"
    finally:
        pool.release(connection)


def test_a_process_keeps_the_newest_epoch_it_read_and_forgets_its_fallback_with_the_old():
    # Two threads of one process: a read of the epoch that started before another thread
    # renewed it must not put the old epoch back when it finishes last.
    from core.breaker import Breaker
    from core.redis_cache import _ProcessState

    state = _ProcessState("test-epoch-order", Breaker(retry_after=1.0))
    state.read_epoch("renewed", now=10.0)
    state.fallback.set("page", "filed under the renewed epoch")
    state.read_epoch("renewed", now=11.0)
    assert state.fallback.get("page") == "filed under the renewed epoch"
    state.read_epoch("before-the-renewal", now=9.0)  # started before, finished after
    assert state.epoch == "renewed"
    assert state.fallback.get("page") == "filed under the renewed epoch"
    state.read_epoch("renewed-again", now=12.0)
    assert state.epoch == "renewed-again"
    assert state.fallback.get("page") is None

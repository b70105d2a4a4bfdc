"""/healthz checks the database, the cache and the channel layer, and answers within a second
whatever is down (a hung dependency included), naming the check that failed."""

import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from core.health import MAX_RUNNING
from tests.redis_server import database_url, free_port, settings_with_redis

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
ANSWER_WITHIN = 1.0  # seconds


def timed_get(client):
    started = time.monotonic()
    response = client.get("/healthz")
    return response, time.monotonic() - started


@pytest.fixture
def redis_backed(settings, redis_server):
    """Cache and channel layer on a Redis of this test's own, configured as in production."""
    production = settings_with_redis(redis_server.url)
    settings.CACHES = {**settings.CACHES, "default": production["CACHES"]["default"]}
    settings.CHANNEL_LAYERS = production["CHANNEL_LAYERS"]
    return redis_server


def test_healthz_reports_each_check(client, settings):
    # The single-process default: local-memory cache, in-memory channel layer.
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": True,
        "cache": True,
        "channel_layer": True,
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_channel_layer_is_down(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Nothing listens on port 1: the layer cannot connect.
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["channel_layer"] is False
    assert response.json()["database"] is True


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is gone")

    # On the class: the check runs in a thread of its own, with a connection of its own.
    monkeypatch.setattr(type(connections["default"]), "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] is False
    assert response.json()["status"] == "unavailable"


def test_healthz_answers_within_a_second_when_the_database_hangs(client, monkeypatch):
    released = threading.Event()

    def hung_cursor(*args, **kwargs):
        released.wait(timeout=30)
        raise connection.Database.OperationalError("no answer")

    monkeypatch.setattr(type(connections["default"]), "cursor", hung_cursor)
    try:
        response, elapsed = timed_get(client)
    finally:
        released.set()
    assert elapsed < ANSWER_WITHIN
    assert response.status_code == 503
    assert response.json()["database"] is False


def test_healthz_follows_redis_down_and_back(client, redis_backed):
    response, elapsed = timed_get(client)
    assert (response.status_code, elapsed < ANSWER_WITHIN) == (200, True)
    assert response.json() == {
        "status": "ok",
        "database": True,
        "cache": True,
        "channel_layer": True,
    }

    # Paused: connections are accepted and nothing answers, the worst case for a probe.
    redis_backed.pause()
    response, elapsed = timed_get(client)
    assert elapsed < ANSWER_WITHIN
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": True,
        "cache": False,
        "channel_layer": False,
    }

    redis_backed.resume()
    assert client.get("/healthz").status_code == 200

    redis_backed.kill()
    response, elapsed = timed_get(client)
    assert elapsed < ANSWER_WITHIN
    assert response.status_code == 503
    assert response.json()["cache"] is False
    assert response.json()["channel_layer"] is False
    assert response.json()["database"] is True

    redis_backed.restart()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_keeps_answering_while_earlier_checks_still_hang(client, redis_backed):
    # A probe every few hundred milliseconds against a paused Redis: each answers in time,
    # and the checks still hanging from earlier probes do not pile up.
    redis_backed.pause()
    for _probe in range(6):
        response, elapsed = timed_get(client)
        assert elapsed < ANSWER_WITHIN
        assert response.status_code == 503
    hung = [t for t in threading.enumerate() if t.name.startswith("healthz-")]
    assert len(hung) <= 2 * MAX_RUNNING  # the cache's and the channel layer's
    redis_backed.resume()
    for thread in hung:
        thread.join(timeout=10)  # Redis answers them now
    assert client.get("/healthz").status_code == 200


# Through a daphne process of its own, with the production settings for REDIS_URL.


def _get_healthz(port: int) -> tuple[int, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        conn.close()


@pytest.fixture
def live_server_on(redis_server, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "edusphere.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_server.url,
    }
    port = free_port()
    log_path = tmp_path / "daphne.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
            + ["edusphere.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if _get_healthz(port)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        yield port
    finally:
        # Before the test database goes away: the server holds a connection to it.
        redis_server.resume()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.django_db(transaction=True)
def test_a_live_server_answers_503_within_a_second_when_its_redis_is_paused(
    redis_server, live_server_on
):
    redis_server.pause()
    status, elapsed = _get_healthz(live_server_on)
    assert (status, elapsed < ANSWER_WITHIN) == (503, True)
    redis_server.resume()
    assert _get_healthz(live_server_on)[0] == 200

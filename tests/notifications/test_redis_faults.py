"""Live notifications while the channel layer's Redis is down, and after it returns.

The layer is configured as production configures it for REDIS_URL, on a redis-server of the
test's own that the test pauses (SIGSTOP: connections hang) or kills.
"""

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.utils.module_loading import import_string
from redis.exceptions import RedisError

from notifications import services
from notifications.consumers import CLOSE_UNAVAILABLE
from notifications.models import Notification
from notifications.services import LIVE_RETRY_AFTER, notify, user_group_name
from tests.notifications.sockets import socket_for
from tests.notifications.test_consumer import TIMEOUT, logged_in_client, run
from tests.redis_server import settings_with_redis

pytestmark = pytest.mark.django_db(transaction=True)

ENROLLED = Notification.Kind.ENROLLED
ANSWER_WITHIN = 1.0  # seconds: a socket is refused (or accepted) within this while Redis is down


@pytest.fixture
def redis_layer(settings, redis_server):
    settings.CHANNEL_LAYERS = settings_with_redis(redis_server.url)["CHANNEL_LAYERS"]
    return redis_server


def our_errors(caplog) -> list:
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR
        # The services log each lost live push; sockets must not fail.
        and record.name in ("notifications.consumers", "notifications.shards")
    ]


async def first_answer(socket) -> tuple[dict, float]:
    """Connect; return the first message after the handshake and the time it took."""
    started = time.monotonic()
    ok, _ = await socket.connect(timeout=ANSWER_WITHIN)
    assert ok
    message = await socket.receive_output(timeout=ANSWER_WITHIN)
    return message, time.monotonic() - started


def test_a_hung_redis_fails_a_send_within_the_layers_timeout(redis_layer, settings):
    # The production layer settings: a paused Redis costs a send a quarter of a second, not
    # redis-py's default of 5 s (nor a multiple of it through retries).
    config = settings.CHANNEL_LAYERS["default"]
    layer = import_string(config["BACKEND"])(**config["CONFIG"])

    async def scenario():
        await layer.group_send("warm-up", {"type": "x"})
        redis_layer.pause()
        started = time.monotonic()
        with pytest.raises(RedisError):
            await layer.group_send("somebody", {"type": "x"})
        return time.monotonic() - started

    # A thread of its own: Playwright may hold an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, scenario()).result() < ANSWER_WITHIN


def test_a_socket_opened_while_redis_is_dead_is_closed_cleanly(redis_layer, student, caplog):
    client = logged_in_client(student)
    redis_layer.kill()

    async def refused():
        socket = socket_for(client)
        message, elapsed = await first_answer(socket)
        assert message == {"type": "websocket.close", "code": CLOSE_UNAVAILABLE}
        assert elapsed < ANSWER_WITHIN

    run(refused)

    redis_layer.restart()

    async def live_again():
        socket = socket_for(client)
        ok, _ = await socket.connect(timeout=TIMEOUT)
        assert ok
        assert await socket.receive_json_from(timeout=TIMEOUT) == {
            "type": "unread_count",
            "unread_count": 0,
        }
        await sync_to_async(notify)(recipient=student, kind=ENROLLED, title="Back")
        message = await socket.receive_json_from(timeout=TIMEOUT)
        assert message["notification"]["title"] == "Back"
        await socket.disconnect()

    run(live_again)
    assert not our_errors(caplog)


def test_a_socket_opened_while_redis_hangs_is_closed_cleanly(redis_layer, student, caplog):
    # The first socket of its process (of its event loop here): the layer must connect, and
    # the connection hangs.
    client = logged_in_client(student)
    redis_layer.pause()

    async def refused():
        message, elapsed = await first_answer(socket_for(client))
        assert message == {"type": "websocket.close", "code": CLOSE_UNAVAILABLE}
        assert elapsed < ANSWER_WITHIN

    run(refused)
    assert not our_errors(caplog)


@pytest.mark.parametrize("fault", ["pause", "kill"])
def test_open_sockets_get_live_events_again_when_redis_returns(redis_layer, student, caplog, fault):
    client = logged_in_client(student)

    async def scenario():
        before = socket_for(client)
        ok, _ = await before.connect(timeout=TIMEOUT)
        assert ok
        assert (await before.receive_json_from(timeout=TIMEOUT))["type"] == "unread_count"

        getattr(redis_layer, fault)()
        # Opened during the fault: refused cleanly, or accepted (its count from the database)
        # with live events to come once Redis is back.
        during = socket_for(client)
        message, elapsed = await first_answer(during)
        assert elapsed < ANSWER_WITHIN
        if message["type"] == "websocket.close":
            assert 4000 <= message["code"] < 5000
            during = None
        else:
            assert message["type"] == "websocket.send", message
        # A notification committed during the fault is saved; its live push is lost.
        await sync_to_async(notify)(recipient=student, kind=ENROLLED, title="During")

        if fault == "pause":
            redis_layer.resume()
        else:
            redis_layer.restart()
        # Subscriptions are renewed as the layer reconnects; until then a send may be lost.
        deadline = time.monotonic() + TIMEOUT
        while True:
            await sync_to_async(notify)(recipient=student, kind=ENROLLED, title="After")
            # (A receive that times out would cancel the socket.)
            if await before.receive_nothing(timeout=0.5):
                assert time.monotonic() < deadline, "no live event after Redis returned"
                continue
            message = await before.receive_json_from(timeout=TIMEOUT)
            if message.get("notification", {}).get("title") == "After":
                break
        if during is not None:
            await during.receive_json_from(timeout=TIMEOUT)
            await during.disconnect()
        await before.disconnect()

    run(scenario)
    assert not our_errors(caplog)


def test_a_hung_redis_costs_live_pushes_one_timeout_per_interval(redis_layer, student, caplog):
    def timed_notify(title: str) -> float:
        started = time.monotonic()
        notify(recipient=student, kind=ENROLLED, title=title)  # pushed live once committed
        return time.monotonic() - started

    def scenario() -> tuple[float, float, float]:
        try:
            timed_notify("Warm-up")
            redis_layer.pause()
            first = timed_notify("First")
            # A request that notifies, or a bulk action that notifies one user after
            # another, does not wait on Redis again within the interval: the push is skipped
            # (and logged lost).
            skipped = max(timed_notify(f"Skipped {n}") for n in range(5))
            time.sleep(LIVE_RETRY_AFTER)
            return first, skipped, timed_notify("Tried again")
        finally:
            connection.close()

    # A thread of its own: Playwright may hold an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        first, skipped, tried_again = pool.submit(scenario).result()
    assert 0.1 < first < ANSWER_WITHIN  # the layer's socket timeout
    assert skipped < first / 2
    assert tried_again > first / 3  # one push an interval tries Redis again
    assert Notification.objects.filter(title__startswith="Skipped").count() == 5
    assert caplog.text.count("live notification(s) lost") >= 7


def test_a_message_the_layer_refuses_does_not_skip_the_next_push(redis_layer, student):
    # Only Redis and socket errors mean Redis is away; a message the layer cannot encode is
    # lost alone.
    client = logged_in_client(student)
    unencodable = {"type": "unread.count", "unread_count": object()}

    async def scenario():
        socket = socket_for(client)
        ok, _ = await socket.connect(timeout=TIMEOUT)
        assert ok
        assert (await socket.receive_json_from(timeout=TIMEOUT))["type"] == "unread_count"
        await sync_to_async(services._group_send)([(user_group_name(student.pk), unencodable)])
        await sync_to_async(notify)(recipient=student, kind=ENROLLED, title="Next")
        message = await socket.receive_json_from(timeout=TIMEOUT)
        assert message["notification"]["title"] == "Next"
        await socket.disconnect()

    run(scenario)

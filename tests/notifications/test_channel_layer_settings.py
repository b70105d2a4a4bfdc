"""The channel layer follows REDIS_URL: in memory without it, channels-redis pub/sub with it.

With Redis, a burst of live notifications to many users of one server arrives whole.

The settings module is executed afresh under each environment (what a new process would
see), and the configured backend is built the way Channels builds it.
"""

import asyncio
import os
import runpy
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from channels.layers import channel_layers
from django.utils.module_loading import import_string

from notifications.models import Notification
from notifications.services import notify_many, shard_group_name, user_group_name
from tests.factories import StudentFactory

SETTINGS = Path(__file__).resolve().parents[2] / "edusphere" / "settings.py"


def layer_under(monkeypatch, **env):
    for name in ("REDIS_URL", "CHANNEL_LAYER_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = runpy.run_path(str(SETTINGS))["CHANNEL_LAYERS"]["default"]
    return config, import_string(config["BACKEND"])(**config.get("CONFIG", {}))


def test_in_memory_layer_without_redis_url(monkeypatch):
    # Empty counts as unset. (Unset is only checked without a developer's .env file.)
    cases = [{"REDIS_URL": ""}] + ([] if (SETTINGS.parents[1] / ".env").exists() else [{}])
    for env in cases:
        config, layer = layer_under(monkeypatch, **env)
        assert config["BACKEND"] == "channels.layers.InMemoryChannelLayer"
        assert type(layer).__name__ == "InMemoryChannelLayer"


@pytest.mark.parametrize("prefix", [None, "site-b"])
def test_redis_pubsub_layer_with_redis_url(monkeypatch, prefix):
    env = {"REDIS_URL": "redis://127.0.0.1:6379/7"}
    if prefix:
        env["CHANNEL_LAYER_PREFIX"] = prefix
    config, layer = layer_under(monkeypatch, **env)
    assert type(layer).__name__ == "RedisPubSubChannelLayer"
    assert [host["address"] for host in config["CONFIG"]["hosts"]] == ["redis://127.0.0.1:6379/7"]
    assert config["CONFIG"]["prefix"] == (prefix or "asgi")


REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
BURST = 300  # beyond the 100 a per-process inbox of the core layer holds before dropping


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


async def _subscribe_then_receive(layer, user_ids, prefix, subscribed, sent):
    for user_id in user_ids:
        # As each socket does: a group of its own.
        await layer.group_add(user_group_name(user_id), await layer.new_channel())
    # As the server process does (notifications.shards): one channel per shard group.
    groups = sorted({shard_group_name(user_id) for user_id in user_ids})
    channels = []
    for group in groups:
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        channels.append(channel)
    # Pub/sub sends SUBSCRIBE without waiting for Redis; wait until the last one is in effect.
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(REDIS_URL)
    last_group = f"{prefix}__group__{groups[-1]}"
    for _attempt in range(500):
        if (await client.pubsub_numsub(last_group))[0][1]:
            break
        await asyncio.sleep(0.01)
    await client.aclose()
    subscribed.set()
    # A busy server reads late: nothing is taken off the layer before the whole burst is out.
    while not sent.is_set():
        await asyncio.sleep(0.01)
    messages = await asyncio.wait_for(
        asyncio.gather(*(layer.receive(channel) for channel in channels)), timeout=10
    )
    return dict(zip(groups, messages, strict=True))


@pytest.mark.redis
@pytest.mark.django_db
def test_a_burst_to_many_users_of_one_server_arrives_whole(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    if not _redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    prefix = f"burst-{uuid.uuid4().hex[:12]}"
    config, server_layer = layer_under(
        monkeypatch, REDIS_URL=REDIS_URL, CHANNEL_LAYER_PREFIX=prefix
    )
    users = StudentFactory.create_batch(BURST)
    subscribed, sent = threading.Event(), threading.Event()
    user_ids = [user.pk for user in users]
    with ThreadPoolExecutor(1) as pool:  # the server process: its own loop and connections
        arrived = pool.submit(
            asyncio.run, _subscribe_then_receive(server_layer, user_ids, prefix, subscribed, sent)
        )
        assert subscribed.wait(timeout=20), arrived.exception(timeout=0)
        settings.CHANNEL_LAYERS = {"default": config}  # the notifying process
        channel_layers.backends.clear()
        with django_capture_on_commit_callbacks(execute=True):
            notifications = notify_many(
                recipients=users, kind=Notification.Kind.NEW_LECTURE, title="Burst"
            )
        sent.set()
        messages = arrived.result(timeout=20)
    by_id = {n.pk: n.recipient_id for n in notifications}
    # Each shard's message names every recipient of the shard once, with that user's own
    # notification and count.
    assert all(m["type"] == "notifications.created" for m in messages.values())
    for group, message in messages.items():
        entries = {int(user_id): entry for user_id, entry in message["recipients"].items()}
        assert sorted(entries) == sorted(u for u in user_ids if shard_group_name(u) == group)
        assert all(by_id[n] == user_id for user_id, (n, _count) in entries.items())
        assert all(count == 1 for _n, count in entries.values())

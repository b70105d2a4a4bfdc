"""The notification socket through the full ASGI stack: origin check, session auth, groups."""

import asyncio
import contextlib
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connections, transaction
from django.test import Client

from notifications.consumers import CLOSE_TOO_BIG, CLOSE_UNSUPPORTED_DATA, RATE_LIMIT
from notifications.models import Notification
from notifications.services import (
    LIVE_SHARDS,
    notify,
    notify_many,
    shard_group_name,
    user_group_name,
)
from tests.factories import AdminFactory, NotificationFactory, StudentFactory
from tests.notifications.sockets import socket_for

# Real commits: live events go out on commit, and Channels' database_sync_to_async closes the
# connection after each call, which a test wrapped in one transaction cannot survive.
pytestmark = pytest.mark.django_db(transaction=True)

ENROLLED = Notification.Kind.ENROLLED
# Generous: CI's two cores run this suite under load, and with Redis in the path.
TIMEOUT = 10


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run(scenario):
    """Run an async scenario in a thread of its own.

    Once a browser test has run, Playwright's sync API holds an event loop in the main
    thread, where async_to_sync refuses to start. The thread's database connection is
    closed at the end (data is committed: these tests use real transactions).
    """

    def in_thread():
        try:
            async_to_sync(scenario)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(in_thread).result()


async def connected(client=None, **kwargs):
    socket = socket_for(client, **kwargs)
    ok, _ = await socket.connect()
    assert ok
    return socket


async def closed_with(socket) -> int:
    message = await socket.receive_output(timeout=TIMEOUT)
    assert message["type"] == "websocket.close", message
    return message["code"]


def test_anonymous_socket_is_closed_with_4401():
    async def scenario():
        socket = await connected()
        assert await closed_with(socket) == 4401

    run(scenario)


def _first_message(client):
    """What a socket of `client`'s session gets first: its count, or its close code."""
    received = []

    async def scenario():
        socket = await connected(client)
        received.append(await socket.receive_output(timeout=TIMEOUT))
        await socket.disconnect()

    run(scenario)
    (message,) = received
    return message["code"] if message["type"] == "websocket.close" else json.loads(message["text"])


def test_an_admin_who_must_set_up_two_factor_gets_no_socket(settings):
    """Where pages send an admin to set up two-factor, the live socket closes at once too."""
    settings.MFA_REQUIRED_FOR_ADMINS = True
    admin = AdminFactory()
    NotificationFactory(recipient=admin)
    assert _first_message(logged_in_client(admin)) == 4401


def test_an_admin_with_two_factor_gets_the_socket(settings):
    """An admin who has set up two-factor receives live notifications."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    settings.MFA_REQUIRED_FOR_ADMINS = True
    admin = AdminFactory()
    TOTP.activate(admin, generate_totp_secret())
    assert _first_message(logged_in_client(admin)) == {"type": "unread_count", "unread_count": 0}


def test_an_admin_without_two_factor_gets_the_socket_when_it_is_not_required(settings):
    """Without MFA_REQUIRED_FOR_ADMINS an admin's socket works as anyone's."""
    settings.MFA_REQUIRED_FOR_ADMINS = False
    client = logged_in_client(AdminFactory())
    assert _first_message(client) == {"type": "unread_count", "unread_count": 0}


def test_the_two_factor_requirement_leaves_other_users_sockets_alone(settings, student):
    """Students (and instructors) need no two-factor for their socket."""
    settings.MFA_REQUIRED_FOR_ADMINS = True
    client = logged_in_client(student)
    assert _first_message(client) == {"type": "unread_count", "unread_count": 0}


def test_a_foreign_origin_is_refused(student):
    client = logged_in_client(student)

    async def scenario():
        socket = socket_for(client, origin=b"https://evil.example")
        ok, _ = await socket.connect()
        assert not ok

    run(scenario)


@pytest.mark.parametrize("path", ["/ws/elsewhere/", "/ws/", "/", "/ws/notifications/x/"])
def test_a_socket_to_any_other_path_is_refused_without_a_server_error(student, path, caplog):
    client = logged_in_client(student)

    async def scenario():
        socket = socket_for(client, path=path)
        ok, _ = await socket.connect()
        assert not ok
        await socket.wait()  # the application ends without raising

    run(scenario)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_connect_sends_the_current_unread_count(student):
    NotificationFactory.create_batch(2, recipient=student)
    client = logged_in_client(student)

    async def scenario():
        socket = await connected(client)
        assert await socket.receive_json_from(timeout=TIMEOUT) == {
            "type": "unread_count",
            "unread_count": 2,
        }
        await socket.disconnect()

    run(scenario)


def test_users_receive_their_own_notifications_only(student):
    other = StudentFactory()
    mine, theirs = logged_in_client(student), logged_in_client(other)
    NotificationFactory(recipient=student)

    async def scenario():
        a1, a2, b = await connected(mine), await connected(mine), await connected(theirs)
        for socket in (a1, a2, b):
            await socket.receive_json_from(timeout=TIMEOUT)  # the count on connect
        await sync_to_async(notify)(
            recipient=student,
            kind=ENROLLED,
            title="<b>Welcome</b>",
            body="Body",
            link="/learn/py/",
        )
        for socket in (a1, a2):  # every tab of the user
            message = await socket.receive_json_from(timeout=TIMEOUT)
            assert message["type"] == "notification"
            assert message["unread_count"] == 2
            payload = message["notification"]
            assert payload["title"] == "<b>Welcome</b>"  # plain text; the script uses textContent
            assert (payload["body"], payload["link"], payload["kind"]) == (
                "Body",
                "/learn/py/",
                ENROLLED,
            )
            assert payload["id"] == (await sync_to_async(Notification.objects.latest)("id")).pk
            assert payload["created"].startswith("20")
        assert await b.receive_nothing(timeout=0.2)
        for socket in (a1, a2, b):
            await socket.disconnect()

    run(scenario)


def test_live_events_do_not_wait_for_the_database_thread(student):
    client = logged_in_client(student)

    async def scenario():
        socket = await connected(client)
        await socket.receive_json_from(timeout=TIMEOUT)  # the count on connect
        # Slow database work elsewhere in the process holds the thread database calls use.
        release = threading.Event()
        busy = asyncio.ensure_future(sync_to_async(release.wait)(TIMEOUT))
        await asyncio.sleep(0.05)
        event = {"type": "unread.count", "unread_count": 7}
        await get_channel_layer().group_send(user_group_name(student.pk), event)
        try:
            message = await socket.receive_json_from(timeout=2)
        finally:
            release.set()
            await busy
        assert message == {"type": "unread_count", "unread_count": 7}
        await socket.disconnect()

    run(scenario)


def test_bulk_notifications_carry_each_recipients_count():
    users = StudentFactory.create_batch(3)
    NotificationFactory.create_batch(2, recipient=users[1])
    clients = [logged_in_client(u) for u in users]

    async def scenario():
        sockets = [await connected(c) for c in clients]
        for socket in sockets:
            await socket.receive_json_from(timeout=TIMEOUT)
        await sync_to_async(notify_many)(
            recipients=users, kind=Notification.Kind.NEW_LECTURE, title="New"
        )
        counts = [(await s.receive_json_from(timeout=TIMEOUT))["unread_count"] for s in sockets]
        assert counts == [1, 3, 1]
        for socket in sockets:
            await socket.disconnect()

    run(scenario)


def test_a_bulk_notification_beyond_the_shards_reaches_each_recipient_once():
    recipients = StudentFactory.create_batch(LIVE_SHARDS + 4)
    NotificationFactory.create_batch(2, recipient=recipients[1])
    # Someone of the same shard who is not notified: the shard message must stay silent.
    bystander = next(
        u
        for u in StudentFactory.create_batch(LIVE_SHARDS)
        if shard_group_name(u.pk) == shard_group_name(recipients[0].pk)
    )
    watched = [recipients[0], recipients[1], recipients[-1]]
    clients = [logged_in_client(u) for u in [*watched, bystander]]

    async def scenario():
        sockets = [await connected(c) for c in clients]
        for socket in sockets:
            await socket.receive_json_from(timeout=TIMEOUT)  # the count on connect
        await sync_to_async(notify_many)(
            recipients=recipients, kind=Notification.Kind.NEW_LECTURE, title="Bulk", link="/x/"
        )
        for user, socket in zip(watched, sockets, strict=False):
            message = await socket.receive_json_from(timeout=TIMEOUT)
            row = await sync_to_async(Notification.objects.get)(recipient=user, title="Bulk")
            assert message["notification"]["id"] == row.pk
            assert (message["notification"]["title"], message["notification"]["link"]) == (
                "Bulk",
                "/x/",
            )
            assert message["unread_count"] == (3 if user == recipients[1] else 1)
            assert await socket.receive_nothing(timeout=0.1)  # once, not once per shard
        assert await sockets[-1].receive_nothing(timeout=0.3)
        for socket in sockets:
            await socket.disconnect()

    run(scenario)


def _same_shard(users):
    group = shard_group_name(users[0].pk)
    return group, [u for u in users if shard_group_name(u.pk) == group]


def test_a_server_listens_to_a_shard_once_for_all_its_sockets(settings):
    # Were each socket in the shard group, each would wake up for, and decode, every bulk
    # message of its shard.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    users = StudentFactory.create_batch(LIVE_SHARDS * 3)
    group, same = _same_shard(users)
    clients = [logged_in_client(u) for u in same]

    async def scenario():
        sockets = [await connected(c) for c in clients]
        for socket in sockets:
            await socket.receive_json_from(timeout=TIMEOUT)  # the count on connect
        layer = get_channel_layer()
        assert len(layer.groups[group]) == 1
        await sync_to_async(notify_many)(
            recipients=users, kind=Notification.Kind.NEW_LECTURE, title="Bulk"
        )
        for socket in sockets:
            message = await socket.receive_json_from(timeout=TIMEOUT)
            assert message["notification"]["title"] == "Bulk"
        for socket in sockets:
            await socket.disconnect()
        assert group not in layer.groups  # the last socket out unsubscribes the server

    run(scenario)


def test_bulk_notifications_reach_a_shard_whose_sockets_came_and_went():
    users = StudentFactory.create_batch(LIVE_SHARDS * 3)
    _group, (first_user, second_user, *_rest) = _same_shard(users)
    first, second = logged_in_client(first_user), logged_in_client(second_user)

    async def scenario():
        gone = await connected(first)
        await gone.receive_json_from(timeout=TIMEOUT)
        await gone.disconnect()  # the shard's last socket: the server stops listening
        staying, leaving = await connected(second), await connected(first)
        for socket in (staying, leaving):
            await socket.receive_json_from(timeout=TIMEOUT)
        await leaving.disconnect()  # not the last one: the server keeps listening
        await sync_to_async(notify_many)(
            recipients=users, kind=Notification.Kind.NEW_LECTURE, title="Bulk"
        )
        message = await staying.receive_json_from(timeout=TIMEOUT)
        assert message["notification"]["title"] == "Bulk"
        assert await staying.receive_nothing(timeout=0.1)
        await staying.disconnect()

    run(scenario)


def test_a_malformed_shard_message_does_not_silence_the_shard(student, caplog):
    client = logged_in_client(student)

    async def scenario():
        socket = await connected(client)
        await socket.receive_json_from(timeout=TIMEOUT)
        layer = get_channel_layer()
        group = shard_group_name(student.pk)
        await layer.group_send(group, {"type": "notifications.created"})
        entry = {str(student.pk): [1, 5]}
        notification = {"kind": ENROLLED, "title": "Later", "body": "", "link": "", "created": ""}
        await layer.group_send(
            group,
            {"type": "notifications.created", "notification": notification, "recipients": entry},
        )
        message = await socket.receive_json_from(timeout=TIMEOUT)
        assert (message["notification"]["title"], message["unread_count"]) == ("Later", 5)
        await socket.disconnect()

    run(scenario)
    assert "Malformed bulk notification" in caplog.text


def test_a_rolled_back_action_never_reaches_the_socket():
    user = StudentFactory()
    client = logged_in_client(user)

    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipient=user, kind=ENROLLED, title="Never happened")
            raise RuntimeError("the action failed")

    async def scenario():
        socket = await connected(client)
        await socket.receive_json_from(timeout=TIMEOUT)
        await sync_to_async(rolled_back)()
        assert await socket.receive_nothing(timeout=0.3)
        # The same socket does get a committed one.
        await sync_to_async(notify)(recipient=user, kind=ENROLLED, title="Committed")
        message = await socket.receive_json_from(timeout=TIMEOUT)
        assert message["notification"]["title"] == "Committed"
        assert message["unread_count"] == 1
        await socket.disconnect()

    run(scenario)


def test_marking_read_over_http_updates_every_open_socket(student):
    note = NotificationFactory(recipient=student)
    NotificationFactory(recipient=student)
    client = logged_in_client(student)

    async def scenario():
        socket = await connected(client)
        assert (await socket.receive_json_from(timeout=TIMEOUT))["unread_count"] == 2
        response = await sync_to_async(client.post)(f"/notifications/{note.pk}/read/")
        assert response.status_code == 302
        assert await socket.receive_json_from(timeout=TIMEOUT) == {
            "type": "unread_count",
            "unread_count": 1,
        }
        await sync_to_async(client.post)("/notifications/read-all/")
        assert await socket.receive_json_from(timeout=TIMEOUT) == {
            "type": "unread_count",
            "unread_count": 0,
        }
        await socket.disconnect()

    run(scenario)


def test_ping_and_mark_read_messages(student):
    mine = NotificationFactory(recipient=student)
    theirs = NotificationFactory()
    client = logged_in_client(student)

    async def scenario():
        socket = await connected(client)
        await socket.receive_json_from(timeout=TIMEOUT)
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        # Another user's id, a bool, a string: nothing happens.
        for bad_id in (theirs.pk, True, str(mine.pk), -1, 2**70):
            await socket.send_json_to({"type": "mark_read", "id": bad_id})
        assert await socket.receive_nothing(timeout=0.2)
        await socket.send_json_to({"type": "mark_read", "id": mine.pk})
        assert await socket.receive_json_from(timeout=TIMEOUT) == {
            "type": "unread_count",
            "unread_count": 0,
        }
        await socket.disconnect()

    run(scenario)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_malformed_messages_are_ignored(student):
    client = logged_in_client(student)

    async def scenario():
        socket = await connected(client)
        await socket.receive_json_from(timeout=TIMEOUT)
        too_deep = "[" * 1000  # within the size limit; once an uncaught RecursionError
        for text in (
            "not json",
            "[1, 2]",
            '"ping"',
            "{}",
            '{"type": "shout"}',
            "null",
            "{",
            too_deep,
        ):
            await socket.send_to(text_data=text)
        assert await socket.receive_nothing(timeout=0.2)
        await socket.send_json_to({"type": "ping"})  # still alive
        assert await socket.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        await socket.disconnect()

    run(scenario)


def test_oversized_and_binary_messages_close_the_socket(student):
    # Application codes (4000-4999): daphne refuses to send 1009 or 1003 from an application
    # and would end the socket as a crash (1011) instead; see test_daphne_frames.
    client = logged_in_client(student)

    async def scenario():
        socket = await connected(client)
        await socket.receive_json_from(timeout=TIMEOUT)
        await socket.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 1100}))
        assert await closed_with(socket) == CLOSE_TOO_BIG == 4413

        socket = await connected(client)
        await socket.receive_json_from(timeout=TIMEOUT)
        await socket.send_to(bytes_data=b'{"type": "ping"}')
        assert await closed_with(socket) == CLOSE_UNSUPPORTED_DATA == 4415

    run(scenario)


def test_a_flood_closes_the_socket(student):
    client = logged_in_client(student)

    async def scenario():
        socket = await connected(client)
        await socket.receive_json_from(timeout=TIMEOUT)
        for _ in range(RATE_LIMIT + 5):
            await socket.send_json_to({"type": "ping"})
        for _ in range(RATE_LIMIT):
            assert await socket.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        assert await closed_with(socket) == 4429
        assert await socket.receive_nothing(timeout=0.1)  # nothing after the close

    run(scenario)


def test_a_socket_dropped_during_its_connect_leaves_the_shard(settings, student):
    # Channels calls disconnect() only after connect() returned: a handshake cut short (the
    # server cancelling the socket's task) must not leave it registered with its shard.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    client = logged_in_client(student)

    async def scenario():
        socket = socket_for(client)
        ok, _ = await socket.connect(timeout=TIMEOUT)  # accepted; connect() goes on
        assert ok
        socket.future.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await socket.future
        assert shard_group_name(student.pk) not in get_channel_layer().groups

    run(scenario)


def test_sockets_and_shard_listeners_outlive_the_layers_group_expiry(settings, student):
    # The in-memory layer (a site without Redis) drops group members after `group_expiry`,
    # a day by default; a socket open longer must still get both kinds of notification.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"group_expiry": 1},
        }
    }
    client = logged_in_client(student)
    # More recipients than shards: the bulk send goes through the shard groups.
    everyone = [student, *StudentFactory.create_batch(LIVE_SHARDS)]

    async def scenario():
        socket = await connected(client)
        await socket.receive_json_from(timeout=TIMEOUT)  # the count on connect
        await asyncio.sleep(3)
        await sync_to_async(notify)(recipient=student, kind=ENROLLED, title="Own group")
        message = await socket.receive_json_from(timeout=TIMEOUT)
        assert message["notification"]["title"] == "Own group"
        await sync_to_async(notify_many)(
            recipients=everyone, kind=Notification.Kind.NEW_LECTURE, title="Shard"
        )
        message = await socket.receive_json_from(timeout=TIMEOUT)
        assert message["notification"]["title"] == "Shard"
        await socket.disconnect()
        await asyncio.sleep(1)  # two renewal periods: nothing renews a socket that left
        groups = get_channel_layer().groups
        assert user_group_name(student.pk) not in groups
        assert shard_group_name(student.pk) not in groups

    run(scenario)

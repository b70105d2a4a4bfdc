"""A notification socket lives only as long as the session it was opened with.

Two paths close it with 4401 (the script then stops reconnecting): an event to the user's
group, sent on commit, for a logout (that session's sockets) or a change of password or
active flag (every socket re-validates); and each socket's own re-check of its session
from the database (every NOTIFICATIONS_SOCKET_RECHECK_SECONDS, and before a mark_read),
which needs no event and no Redis. Each test below leaves one path only: the event tests
re-check once an hour, and the re-check tests send no event.
"""

import copy
import datetime
import logging

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import User
from notifications.consumers import CLOSE_UNAUTHENTICATED
from notifications.models import Notification
from notifications.services import notify
from tests.factories import PASSWORD, AdminFactory, NotificationFactory
from tests.notifications.sockets import socket_for
from tests.notifications.test_consumer import TIMEOUT, closed_with, connected, logged_in_client, run
from tests.redis_server import settings_with_redis

pytestmark = pytest.mark.django_db(transaction=True)

assert CLOSE_UNAUTHENTICATED == 4401  # what the script knows as "stop reconnecting"


@pytest.fixture
def events_only(settings):
    settings.NOTIFICATIONS_SOCKET_RECHECK_SECONDS = 3600
    # These tests are about the events, not a slow Redis (test_redis_faults.py and the
    # tests below cover the layer's 0.25 s timeouts): on a loaded CI machine one send timed
    # out, and with the re-check an hour away its event was simply gone.
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    for host in layers["default"].get("CONFIG", {}).get("hosts", []):
        host.update(socket_timeout=5, socket_connect_timeout=5)
    settings.CHANNEL_LAYERS = layers


@pytest.fixture
def rechecks_only(settings):
    settings.NOTIFICATIONS_SOCKET_RECHECK_SECONDS = 0.3


async def live_socket(client):
    socket = await connected(client)
    assert (await socket.receive_json_from(timeout=TIMEOUT))["type"] == "unread_count"
    return socket


async def assert_open(socket) -> None:
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}


def session_key(client) -> str:
    return client.cookies["sessionid"].value


def test_logging_out_closes_that_sessions_sockets_only(events_only, student):
    here, elsewhere = logged_in_client(student), logged_in_client(student)

    async def scenario():
        tab1, tab2, other = (
            await live_socket(here),
            await live_socket(here),
            await live_socket(elsewhere),
        )
        response = await sync_to_async(here.post)("/accounts/logout/")
        assert response.status_code == 302
        assert await closed_with(tab1) == 4401
        assert await closed_with(tab2) == 4401
        # The same user's other browser stays logged in, and live.
        await assert_open(other)
        await sync_to_async(notify)(
            recipient=student, kind=Notification.Kind.ENROLLED, title="Still here"
        )
        message = await other.receive_json_from(timeout=TIMEOUT)
        assert message["notification"]["title"] == "Still here"
        await other.disconnect()

    run(scenario)


def test_changing_the_password_closes_every_session(events_only, student):
    here, elsewhere = logged_in_client(student), logged_in_client(student)

    async def scenario():
        mine, other = await live_socket(here), await live_socket(elsewhere)
        response = await sync_to_async(here.post)(
            "/accounts/password/change/",
            {
                "oldpassword": PASSWORD,
                "password1": "a-new-pass-phrase",
                "password2": "a-new-pass-phrase",
            },
        )
        assert response.status_code == 302, response.content
        assert await closed_with(other) == 4401
        # This browser's session moved to a new key (Django's update_session_auth_hash); the
        # socket of the old key is closed, and a new one with the new cookie is served.
        assert await closed_with(mine) == 4401
        again = await live_socket(here)
        await again.disconnect()

    run(scenario)


def deactivate_by_save(user):
    user.is_active = False
    user.save()


def deactivate_by_field(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


def deactivate_in_the_admin(user):
    admin = logged_in_client(AdminFactory())
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "deactivate_users", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "deactivate", [deactivate_by_save, deactivate_by_field, deactivate_in_the_admin]
)
def test_deactivating_the_user_closes_every_socket(events_only, student, deactivate):
    here, elsewhere = logged_in_client(student), logged_in_client(student)

    async def scenario():
        sockets = [await live_socket(here), await live_socket(elsewhere)]
        await sync_to_async(deactivate)(await sync_to_async(User.objects.get)(pk=student.pk))
        for socket in sockets:
            assert await closed_with(socket) == 4401

    run(scenario)
    assert not User.objects.get(pk=student.pk).is_active


def test_other_changes_to_the_user_leave_the_sockets_open(events_only, student):
    client = logged_in_client(student)

    async def scenario():
        socket = await live_socket(client)
        user = await sync_to_async(User.objects.get)(pk=student.pk)
        user.name = "A new name"
        await sync_to_async(user.save)()  # every socket re-checks: the session still holds
        assert await socket.receive_nothing(timeout=0.5)
        await assert_open(socket)
        await socket.disconnect()

    run(scenario)


def delete_session(key):
    Session.objects.filter(session_key=key).delete()


def expire_session(key):
    past = timezone.now() - datetime.timedelta(seconds=1)
    Session.objects.filter(session_key=key).update(expire_date=past)


@pytest.mark.parametrize("end", [delete_session, expire_session])
def test_a_session_gone_from_the_database_closes_its_sockets_without_any_event(
    rechecks_only, student, end
):
    # A queryset's delete or update sends no signal: only the re-check can notice. The
    # session may well still be in the cache; the database is what counts.
    gone, kept = logged_in_client(student), logged_in_client(student)

    async def scenario():
        closing, staying = await live_socket(gone), await live_socket(kept)
        await sync_to_async(end)(session_key(gone))
        assert await closed_with(closing) == 4401
        assert await staying.receive_nothing(timeout=1)  # several re-checks: still valid
        await assert_open(staying)
        await staying.disconnect()

    run(scenario)


def test_a_deactivation_without_a_signal_is_caught_by_the_recheck(rechecks_only, student):
    client = logged_in_client(student)

    async def scenario():
        socket = await live_socket(client)
        await sync_to_async(User.objects.filter(pk=student.pk).update)(is_active=False)
        assert await closed_with(socket) == 4401

    run(scenario)


def test_a_password_changed_without_a_signal_is_caught_by_the_recheck(rechecks_only, student):
    client = logged_in_client(student)

    def change_password():
        user = User.objects.get(pk=student.pk)
        user.set_password("another-pass-phrase")
        User.objects.filter(pk=student.pk).update(password=user.password)

    async def scenario():
        socket = await live_socket(client)
        await sync_to_async(change_password)()
        assert await closed_with(socket) == 4401

    run(scenario)


def test_mark_read_is_refused_once_the_session_is_gone(events_only, student):
    note = NotificationFactory(recipient=student)
    client = logged_in_client(student)

    async def scenario():
        socket = await live_socket(client)
        await sync_to_async(delete_session)(session_key(client))
        await socket.send_json_to({"type": "mark_read", "id": note.pk})
        assert await closed_with(socket) == 4401

    run(scenario)
    note.refresh_from_db()
    assert note.read_at is None


@pytest.fixture
def redis_layer(settings, redis_server):
    settings.CHANNEL_LAYERS = settings_with_redis(redis_server.url)["CHANNEL_LAYERS"]
    return redis_server


@pytest.mark.parametrize("fault", ["pause", "kill"])
def test_with_redis_down_the_recheck_still_closes(redis_layer, settings, student, caplog, fault):
    settings.NOTIFICATIONS_SOCKET_RECHECK_SECONDS = 1
    client = logged_in_client(student)

    async def scenario():
        socket = socket_for(client)
        ok, _ = await socket.connect(timeout=TIMEOUT)
        assert ok
        assert (await socket.receive_json_from(timeout=TIMEOUT))["type"] == "unread_count"
        getattr(redis_layer, fault)()
        user = await sync_to_async(User.objects.get)(pk=student.pk)
        # The deactivation itself succeeds; its event cannot be sent, and is only logged.
        await sync_to_async(deactivate_by_save)(user)
        assert await closed_with(socket) == 4401

    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        run(scenario)
    assert not User.objects.get(pk=student.pk).is_active
    assert "not told of the account change" in caplog.text

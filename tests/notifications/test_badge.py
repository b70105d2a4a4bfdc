"""The header badge is counted once and cached per user, and never shows a stale count.

Every way a user's notifications change (one notification, a bulk send, reading one, reading
all, an admin's edit or delete) makes the next page count again, once the change commits.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.badge import UNREAD_COUNT
from notifications.models import Notification
from notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notify,
    notify_many,
)
from tests.factories import NotificationFactory, StudentFactory

pytestmark = pytest.mark.django_db
PAGE = "/learn/"


def _badge(client) -> str:
    html = client.get(PAGE).content.decode()
    return html.split('data-unread-count aria-hidden="true">', 1)[1].split("<", 1)[0]


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(PAGE).status_code == 200
    return sum('FROM "notifications_notification"' in q["sql"] for q in ctx.captured_queries)


def test_the_second_page_reads_the_badge_from_the_cache(client, student):
    NotificationFactory.create_batch(2, recipient=student)
    client.force_login(student)
    assert _count_queries(client) == 1
    assert _count_queries(client) == 0
    assert _badge(client) == "2"


def test_each_user_sees_their_own_count(client, student):
    other = StudentFactory()
    NotificationFactory.create_batch(2, recipient=student)
    NotificationFactory(recipient=other)
    client.force_login(student)
    assert _badge(client) == "2"
    client.force_login(other)
    assert _badge(client) == "1"


def test_every_kind_of_change_shows_on_the_next_page(client, student, committed):
    client.force_login(student)
    assert _badge(client) == "0"

    with committed():
        first = notify(recipient=student, kind=Notification.Kind.NEW_LECTURE, title="One")
    assert _badge(client) == "1"

    with committed():
        notify_many(
            recipients=[student, StudentFactory()], kind=Notification.Kind.NEW_LECTURE, title="Two"
        )
    assert _badge(client) == "2"

    with committed():
        notification_mark_read(user=student, notification_id=first.pk)
    assert _badge(client) == "1"

    with committed():
        notify(recipient=student, kind=Notification.Kind.NEW_LECTURE, title="Three")
    with committed():
        notification_mark_all_read(user=student)
    assert _badge(client) == "0"

    # What an admin can do: mark one unread again, delete another.
    edited, deleted = Notification.objects.filter(recipient=student)[:2]
    with committed():
        edited.read_at = None
        edited.save()
    assert _badge(client) == "1"
    with committed():
        edited.delete()
        deleted.delete()
    assert _badge(client) == "0"


def test_a_rolled_back_change_keeps_the_cached_count(client, student):
    NotificationFactory(recipient=student)
    client.force_login(student)
    assert _badge(client) == "1"
    # Never committed (the test's transaction is rolled back): no new token, no new count.
    NotificationFactory(recipient=student)
    assert _count_queries(client) == 0


def test_the_admin_cannot_hand_a_notification_to_another_user(client, admin_user, student):
    notification = NotificationFactory(recipient=student)
    other = StudentFactory()
    client.force_login(admin_user)
    url = f"/admin/notifications/notification/{notification.pk}/change/"
    response = client.post(
        url, {"recipient": other.pk, "kind": notification.kind, "title": "Moved", "body": ""}
    )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.recipient == student
    assert notification.title == "Moved"


def test_a_notification_given_to_another_user_leaves_the_first_users_count(
    client, student, committed
):
    notification = NotificationFactory(recipient=student)
    client.force_login(student)
    assert _badge(client) == "1"
    with committed():  # any writer, not only the admin (which refuses it)
        notification.recipient = StudentFactory()
        notification.save()
    assert _badge(client) == "0"


def test_the_badge_is_read_once_per_page_in_one_cache_round_trip(settings, client, student):
    from unittest import mock

    from django.core.cache import caches

    NotificationFactory(recipient=student)
    client.force_login(student)
    client.get(PAGE)  # cached from here on
    backend = type(caches["default"])
    with mock.patch.object(backend, "get_many", autospec=True, side_effect=backend.get_many) as spy:
        assert _badge(client) == "1"
    reads = [call.args[1] for call in spy.call_args_list]
    assert len([keys for keys in reads if UNREAD_COUNT(student.pk).key in keys]) == 1


def test_a_change_made_earlier_in_the_same_request_shows_at_once(settings, student, committed):
    # A request that notifies its own reader and then renders a page (the checkout's
    # return page does) must show the new count.
    from notifications.badge import badge_count

    assert badge_count(user=student) == 0  # counted and cached
    with committed():
        notify(recipient=student, kind=Notification.Kind.ENROLLED, title="Welcome")
    assert badge_count(user=student) == 1

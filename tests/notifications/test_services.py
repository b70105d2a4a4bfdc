import logging

import pytest
from django.db import transaction

from notifications.models import Notification
from notifications.services import notify, notify_many
from tests.factories import NotificationFactory, StudentFactory

pytestmark = pytest.mark.django_db
ENROLLED = Notification.Kind.ENROLLED


def test_notify_writes_one_unread_row(student):
    notification = notify(
        recipient=student, kind=ENROLLED, title="Welcome", body="Hi", link="/learn/x/"
    )
    row = Notification.objects.get()
    assert row == notification
    assert (row.recipient, row.kind, row.title, row.body, row.link) == (
        student,
        ENROLLED,
        "Welcome",
        "Hi",
        "/learn/x/",
    )
    assert row.read_at is None


def test_live_send_waits_for_commit_and_a_rollback_sends_nothing(
    student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipient=student, kind=ENROLLED, title="Rolled back")
            raise RuntimeError
        assert callbacks == []
        notify(recipient=student, kind=ENROLLED, title="Kept")
    # The live send, the header badge's new count, and the email's delivery (enrolled is
    # emailed at once by default).
    assert len(callbacks) == 3
    assert list(Notification.objects.values_list("title", flat=True)) == ["Kept"]


@pytest.mark.parametrize(
    "link", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil", "x/y"]
)
def test_links_must_be_local_paths(student, link):
    with pytest.raises(ValueError):
        notify(recipient=student, kind=ENROLLED, title="t", link=link)
    with pytest.raises(ValueError):
        notify_many(recipients=[student], kind=ENROLLED, title="t", link=link)
    assert not Notification.objects.exists()


def test_unknown_kind_is_refused(student):
    with pytest.raises(ValueError):
        notify(recipient=student, kind="gossip", title="t")


def test_a_long_title_is_shortened_not_an_error(student):
    notification = notify(recipient=student, kind=ENROLLED, title="x" * 500)
    notification.refresh_from_db()
    assert len(notification.title) == 200
    assert notification.title.endswith("…")


def test_notify_many_writes_one_row_per_distinct_recipient(django_assert_num_queries):
    users = StudentFactory.create_batch(3)
    # The rows, and the recipients' email preferences (new lectures wait for the digest).
    with django_assert_num_queries(2):
        created = notify_many(
            recipients=[*users, users[0]], kind=Notification.Kind.NEW_LECTURE, title="New"
        )
    assert len(created) == 3
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        u.pk for u in users
    )
    assert notify_many(recipients=[], kind=ENROLLED, title="none") == []


def test_bulk_live_send_counts_unread_for_everyone_in_one_query(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    users = StudentFactory.create_batch(5)
    NotificationFactory.create_batch(2, recipient=users[0])
    with django_capture_on_commit_callbacks() as callbacks:
        notify_many(recipients=users, kind=Notification.Kind.NEW_LECTURE, title="New")
    with django_assert_num_queries(1):
        for callback in callbacks:
            callback()


def test_a_channel_layer_outage_is_logged_and_the_row_kept(
    student, settings, caplog, django_capture_on_commit_callbacks
):
    # Nothing listens on port 1: every send fails with a connection error.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    with (
        caplog.at_level(logging.ERROR, logger="notifications.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify(recipient=student, kind=ENROLLED, title="Still saved")
    assert Notification.objects.filter(title="Still saved").exists()
    assert "Channel layer unavailable" in caplog.text

"""Notification emails: sent at once to those who chose it, through a real SMTP server, queued
in the action's transaction and delivered after it commits; never at the action's expense."""

import math
import re
from email.message import EmailMessage

import pytest
from django.db import connection, transaction

from mail.models import Email
from notifications import emails
from notifications.models import DEFAULT_DELIVERY, Delivery, Notification, NotificationPreference
from notifications.services import notify, notify_many
from tests.factories import StudentFactory
from tests.redis_server import free_port

pytestmark = pytest.mark.django_db
Kind = Notification.Kind
SITE = "https://learn.maple.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "Maple School"


def text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def prefer(user, kind, delivery):
    NotificationPreference.objects.create(user=user, kind=kind, delivery=delivery)


def test_every_kind_has_a_default_and_the_defaults_are_the_agreed_ones():
    assert set(DEFAULT_DELIVERY) == set(Kind.values)
    immediately = {k for k, d in DEFAULT_DELIVERY.items() if d == Delivery.IMMEDIATELY}
    assert immediately == {
        Kind.ENROLLED,
        Kind.PAYMENT_FAILED,
        Kind.REFUNDED,
        Kind.INSTRUCTOR_ASSIGNED,
        Kind.ROLE_CHANGED,
        Kind.CERTIFICATE_ISSUED,
        Kind.ANNOUNCEMENT,
    }
    digest = {k for k, d in DEFAULT_DELIVERY.items() if d == Delivery.DIGEST}
    assert digest == {Kind.NEW_LECTURE, Kind.NEW_REVIEW, Kind.COURSE_COMPLETED}


def test_an_immediate_kind_is_emailed_once_committed_branded_with_both_parts(
    student, smtp_server, committed
):
    with committed():
        notification = notify(
            recipient=student,
            kind=Kind.ENROLLED,
            title="You are enrolled in Trees <for> beginners",
            body="Start with the first lecture.",
            link="/learn/trees/",
        )
    (message,) = smtp_server.wait_for(1)
    assert message.envelope_to == [student.email]
    assert message["Subject"] == "You are enrolled in Trees <for> beginners"
    plain, page = text(message), html(message)
    # Absolute links on SITE_URL, the brand by name (not a host and port).
    assert f"{SITE}/learn/trees/" in plain
    assert f'href="{SITE}/learn/trees/"' in page
    assert "Maple School" in plain and ">Maple School</a>" in page
    # Plain text stays plain; HTML escapes what users wrote.
    assert "Trees <for> beginners" in plain and "Start with the first lecture." in plain
    assert "Trees &lt;for&gt; beginners" in page and "<for>" not in page
    assert "Start learning" in plain and "Start learning" in page
    # Phone-friendly: the base layout's viewport and narrow column.
    assert 'name="viewport"' in page and "max-width:560px" in page
    email = Email.objects.get()
    assert email.key == f"notification:{notification.pk}"
    assert email.status == Email.Status.SENT and email.recipient == student


def test_the_unsubscribe_headers_and_footer_link_name_that_user_and_kind(
    student, smtp_server, committed
):
    with committed():
        notify(recipient=student, kind=Kind.REFUNDED, title="Refunded", link="/payments/orders/")
    (message,) = smtp_server.wait_for(1)
    # A long header may be folded before its value (legal, RFC 5322): whitespace around it.
    header = message["List-Unsubscribe"].strip()
    match = re.fullmatch(rf"<({re.escape(SITE)}/notifications/unsubscribe/([^/]+)/)>", header)
    assert match, header
    url, token = match.groups()
    assert emails.unsubscribe_token_read(token) == (student.pk, Kind.REFUNDED)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Sent as it is: not split inside the URL, nor MIME-encoded ("=?utf-8?...").
    raw = dict(message.raw_items())["List-Unsubscribe"]
    assert " ".join(raw.split()) == header
    # The footer's link is the same URL, and the preferences page is a link away.
    assert url in text(message) and f'href="{url}"' in html(message)
    preferences = f"{SITE}/notifications/preferences/"
    assert preferences in text(message) and f'href="{preferences}"' in html(message)


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (Kind.PAYMENT_FAILED, "Action needed: Your payment did not go through"),
        (Kind.ANNOUNCEMENT, "Announcement: Your payment did not go through"),
        (Kind.CERTIFICATE_ISSUED, "Your payment did not go through"),
    ],
)
def test_the_subject_depends_on_the_kind(student, smtp_server, committed, kind, subject):
    with committed():
        notify(recipient=student, kind=kind, title="Your payment did not go through")
    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == subject
    # Without a link, the email leads to the notifications list.
    assert f"{SITE}/notifications/" in text(message)


def test_a_notification_of_a_digest_kind_is_not_emailed_at_once(student, smtp_server, committed):
    with committed():
        notify(recipient=student, kind=Kind.NEW_LECTURE, title="New lecture")
    assert Notification.objects.filter(recipient=student).count() == 1
    assert not Email.objects.exists() and smtp_server.messages == []


@pytest.mark.parametrize(
    ("kind", "choice", "emailed"),
    [
        (Kind.ENROLLED, Delivery.OFF, False),
        (Kind.ENROLLED, Delivery.DIGEST, False),
        (Kind.ENROLLED, Delivery.IMMEDIATELY, True),
        (Kind.NEW_LECTURE, Delivery.IMMEDIATELY, True),
        (Kind.NEW_LECTURE, Delivery.OFF, False),
    ],
)
def test_the_users_choice_for_the_kind_decides(
    student, smtp_server, committed, kind, choice, emailed
):
    prefer(student, kind, choice)
    # A choice for another kind changes nothing here.
    prefer(student, Kind.REFUNDED, Delivery.OFF if emailed else Delivery.IMMEDIATELY)
    with committed():
        notify(recipient=student, kind=kind, title="Hello")
    assert Notification.objects.filter(recipient=student, kind=kind).exists()  # always on site
    assert len(smtp_server.messages) == (1 if emailed else 0)
    assert Email.objects.count() == (1 if emailed else 0)


def test_notify_many_emails_those_who_chose_it_once_each(smtp_server, committed):
    keen, default, off = StudentFactory.create_batch(3)
    prefer(keen, Kind.NEW_LECTURE, Delivery.IMMEDIATELY)
    prefer(off, Kind.NEW_LECTURE, Delivery.OFF)
    with committed():
        created = notify_many(
            recipients=[keen, default, off, keen],
            kind=Kind.NEW_LECTURE,
            title="New module",
            link="/learn/trees/",
        )
    assert len(created) == 3
    smtp_server.wait_for(1)
    assert [m.envelope_to for m in smtp_server.messages] == [[keen.email]]
    mine = next(n for n in created if n.recipient_id == keen.pk)
    assert Email.objects.get().key == f"notification:{mine.pk}"


def test_email_false_writes_the_notification_without_the_preference_email(
    student, smtp_server, committed
):
    with committed():
        notify(recipient=student, kind=Kind.REFUNDED, title="Refunded", email=False)
        notify_many(recipients=[student], kind=Kind.ENROLLED, title="Enrolled", email=False)
    assert Notification.objects.filter(recipient=student).count() == 2
    assert not Email.objects.exists() and smtp_server.messages == []


def test_an_inactive_user_gets_no_email(smtp_server, committed):
    gone = StudentFactory(is_active=False)
    with committed():
        notify(recipient=gone, kind=Kind.ENROLLED, title="Enrolled")
    assert Notification.objects.filter(recipient=gone).exists()
    assert not Email.objects.exists()


def test_a_rolled_back_action_queues_and_sends_nothing(student, smtp_server, committed):
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        notify(recipient=student, kind=Kind.ENROLLED, title="Rolled back")
        notify_many(recipients=[student], kind=Kind.ANNOUNCEMENT, title="Rolled back too")
        raise RuntimeError
    assert not Notification.objects.exists()
    assert not Email.objects.exists() and smtp_server.messages == []


def test_nothing_is_sent_before_the_commit(
    student, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipient=student, kind=Kind.ENROLLED, title="Enrolled")
    assert Email.objects.get().status == Email.Status.QUEUED
    assert smtp_server.messages == []
    for callback in callbacks:
        callback()
    smtp_server.wait_for(1)


def test_a_refusing_mail_server_loses_neither_the_action_nor_the_notification(
    student, smtp_server, committed
):
    smtp_server.refuse_next("451 Try again later")
    with committed(), transaction.atomic():
        # The action's own write, in the same transaction as the notification.
        StudentFactory(email="action@example.com")
        notify(recipient=student, kind=Kind.ENROLLED, title="Enrolled")
    assert Notification.objects.filter(recipient=student, title="Enrolled").exists()
    assert StudentFactory._meta.model.objects.filter(email="action@example.com").exists()
    email = Email.objects.get()
    assert email.status == Email.Status.QUEUED and "451" in email.last_error  # retried later
    assert smtp_server.messages == []


def test_a_mail_server_that_is_down_loses_neither_the_action_nor_the_notification(
    student, settings, committed
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    with committed(), transaction.atomic():
        StudentFactory(email="action@example.com")
        notify(recipient=student, kind=Kind.ENROLLED, title="Enrolled")
    assert Notification.objects.filter(recipient=student, title="Enrolled").exists()
    assert StudentFactory._meta.model.objects.filter(email="action@example.com").exists()
    email = Email.objects.get()
    assert email.status == Email.Status.QUEUED and email.attempts == 1 and email.last_error


def _insert_batches(model, count: int) -> int:
    """INSERT statements bulk_create needs for `count` rows on this database (SQLite caps
    the parameters of one statement; PostgreSQL takes them all at once)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return math.ceil(count / connection.ops.bulk_batch_size(fields, [None] * count))


@pytest.mark.parametrize("count", [5, 300])
def test_notify_many_reads_preferences_once_and_queues_in_bulk(
    count, django_assert_max_num_queries
):
    users = StudentFactory.create_batch(count)
    for user in users[::2]:
        prefer(user, Kind.NEW_LECTURE, Delivery.IMMEDIATELY)
    # The notification rows, one read of every recipient's choice, and the outbox's
    # look-up of queued keys, its rows and their ids: the same for 5 recipients or 300.
    budget = _insert_batches(Notification, count) + 1 + 2 + _insert_batches(Email, len(users[::2]))
    with django_assert_max_num_queries(budget):
        notify_many(recipients=users, kind=Kind.NEW_LECTURE, title="New lecture")
    assert Notification.objects.count() == count
    assert Email.objects.count() == len(users[::2])
    assert set(Email.objects.values_list("to_address", flat=True)) == {u.email for u in users[::2]}


def test_notify_reads_the_one_preference_and_queues_one_email(student, django_assert_num_queries):
    # The row, the user's choice, and the outbox's three statements.
    with django_assert_num_queries(5):
        notify(recipient=student, kind=Kind.ENROLLED, title="Enrolled")
    with django_assert_num_queries(2):  # a digest kind: the row and the choice
        notify(recipient=student, kind=Kind.NEW_LECTURE, title="New")

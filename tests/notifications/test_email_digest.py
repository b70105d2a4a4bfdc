"""The daily digest: one email a day per user, with the notifications of the kinds they
receive by digest since their last one, grouped by kind; never twice."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from core.jobs import run_due
from mail import services as mail_services
from mail.models import Email
from notifications import emails, services
from notifications.models import Delivery, DigestState, Notification, NotificationPreference
from tests.factories import NotificationFactory, StudentFactory

pytestmark = pytest.mark.django_db
Kind = Notification.Kind
JOB = "notifications.jobs.send_daily_digests"
SITE = "https://learn.maple.example"
# The job's time on two days running.
MONDAY = datetime(2031, 3, 10, 7, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "Maple School"


def note(user, kind, title, at, link="/learn/trees/", body=""):
    notification = NotificationFactory(recipient=user, kind=kind, title=title, link=link, body=body)
    Notification.objects.filter(pk=notification.pk).update(created_at=at)
    return notification


def text(message):
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html(message):
    return message.get_body(preferencelist=("html",)).get_content()


def test_the_digest_groups_the_days_digest_kinds_newest_first(student, smtp_server, committed):
    NotificationPreference.objects.create(
        user=student, kind=Kind.ANNOUNCEMENT, delivery=Delivery.DIGEST
    )
    NotificationPreference.objects.create(
        user=student, kind=Kind.COURSE_COMPLETED, delivery=Delivery.OFF
    )
    early = MONDAY - timedelta(hours=20)
    note(student, Kind.NEW_LECTURE, "Lecture one", early)
    note(student, Kind.ANNOUNCEMENT, "Exam moved", early + timedelta(hours=1), body="To Friday.")
    note(student, Kind.NEW_LECTURE, "Lecture two", early + timedelta(hours=2), link="/learn/b/")
    # Not in the digest: a kind emailed at once, a kind turned off, another user's, and
    # notifications from before the day.
    note(student, Kind.ENROLLED, "Enrolled at once", early)
    note(student, Kind.COURSE_COMPLETED, "Completed, off", early)
    note(StudentFactory(), Kind.NEW_LECTURE, "Someone else's", early)
    note(student, Kind.NEW_LECTURE, "Last week", MONDAY - timedelta(days=8))

    with committed():
        assert services.digests_send(now=MONDAY) == 2  # the student and the other user
    (message,) = smtp_server.to(student.email)
    assert message["Subject"] == "Your daily digest: 3 new notifications"
    plain, page = text(message), html(message)
    for unwanted in ("Enrolled at once", "Completed, off", "Someone else", "Last week"):
        assert unwanted not in plain and unwanted not in page
    # Grouped by kind, in the kinds' order; newest first within a group.
    assert plain.index("NEW IN YOUR COURSES") < plain.index("Lecture two")
    assert plain.index("Lecture two") < plain.index("Lecture one")
    assert plain.index("Lecture one") < plain.index("ANNOUNCEMENTS") < plain.index("Exam moved")
    assert page.index("New in your courses") < page.index("Lecture two") < page.index("Lecture one")
    assert "To Friday." in plain and "To Friday." in page
    # Each with its absolute link.
    assert re.search(rf'href="{re.escape(SITE)}/learn/b/"[^>]*>Lecture two</a>', page)
    assert f"- Lecture two\n  {SITE}/learn/b/" in plain
    assert f'href="{SITE}/notifications/"' in page
    email = Email.objects.get(to_address=student.email)
    assert email.key == f"digest:{student.pk}:2031-03-10"


def test_the_digest_carries_a_link_that_turns_the_digest_off(student, smtp_server, committed):
    note(student, Kind.NEW_LECTURE, "Lecture", MONDAY - timedelta(hours=3))
    with committed():
        services.digests_send(now=MONDAY)
    (message,) = smtp_server.wait_for(1)
    header = message["List-Unsubscribe"].strip()
    match = re.fullmatch(rf"<{re.escape(SITE)}/notifications/unsubscribe/([^/]+)/>", header)
    assert match, header
    assert emails.unsubscribe_token_read(match[1]) == (student.pk, emails.DIGEST)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header[1:-1] in text(message) and f'href="{header[1:-1]}"' in html(message)


def _digest_awaiting_retry(student, smtp_server, committed) -> Email:
    note(student, Kind.NEW_LECTURE, "Lecture", MONDAY - timedelta(hours=3))
    smtp_server.refuse_next("451 Greylisted, try again")
    with committed():
        services.digests_send(now=MONDAY)
    email = Email.objects.get(kind=emails.email_kind(emails.DIGEST))
    assert email.status == Email.Status.QUEUED and smtp_server.messages == []
    return email


def test_a_digest_awaiting_a_retry_is_not_sent_after_the_digest_is_turned_off(
    client, student, smtp_server, committed
):
    """The digest's unsubscribe link also stops a digest still waiting for a retry."""
    digest = _digest_awaiting_retry(student, smtp_server, committed)
    token = emails.unsubscribe_token(user_id=student.pk, kind=emails.DIGEST)
    assert client.post(reverse("notifications:unsubscribe", args=[token])).status_code == 200
    later = digest.next_attempt_at + timedelta(minutes=1)
    assert mail_services.emails_deliver([digest.pk], now=later) == 0
    digest.refresh_from_db()
    assert digest.status == Email.Status.FAILED
    assert digest.last_error == services.UNSUBSCRIBED


def test_a_digest_awaiting_a_retry_goes_while_one_of_the_users_kinds_remains_in_it(
    student, smtp_server, committed
):
    """A waiting digest is dropped only once none of the kinds the user has goes to it."""
    digest = _digest_awaiting_retry(student, smtp_server, committed)
    services.preferences_save(user=student, choices={Kind.COURSE_COMPLETED: Delivery.OFF})
    digest.refresh_from_db()
    assert digest.status == Email.Status.QUEUED  # new lectures still go to the digest
    # New reviews go to the digest by default, but a student has none.
    services.preferences_save(user=student, choices={Kind.NEW_LECTURE: Delivery.IMMEDIATELY})
    digest.refresh_from_db()
    assert digest.status == Email.Status.FAILED


def test_running_the_job_twice_sends_one_digest(student, smtp_server, committed):
    note(student, Kind.NEW_LECTURE, "Lecture", MONDAY - timedelta(hours=3))
    with committed():
        assert run_due(now=MONDAY, only={JOB}) == [JOB]
        assert run_due(now=MONDAY + timedelta(hours=2), only={JOB}) == []  # its period ran
    smtp_server.wait_for(1)
    # Called again by hand the same day (the scheduler's lock aside): still one email.
    note(student, Kind.NEW_LECTURE, "Later that day", MONDAY + timedelta(hours=1))
    with committed():
        assert services.digests_send(now=MONDAY + timedelta(hours=3)) == 0
        assert services.digests_send(now=MONDAY) == 0
    assert len(smtp_server.messages) == 1 and Email.objects.count() == 1
    # What came after the day's digest waits for the next one rather than being skipped.
    with committed():
        assert services.digests_send(now=TUESDAY) == 1
    assert "Later that day" in text(smtp_server.wait_for(2)[1])


def test_a_lost_state_still_never_sends_the_same_day_twice(student, smtp_server, committed):
    note(student, Kind.NEW_LECTURE, "Lecture", MONDAY - timedelta(hours=3))
    with committed():
        services.digests_send(now=MONDAY)
    DigestState.objects.all().delete()
    with committed():
        services.digests_send(now=MONDAY)  # the email's key was queued already
    assert len(smtp_server.messages) == 1 and Email.objects.count() == 1


def test_the_next_digest_starts_where_the_last_one_ended(student, smtp_server, committed):
    note(student, Kind.NEW_LECTURE, "Monday's", MONDAY - timedelta(hours=3))
    with committed():
        services.digests_send(now=MONDAY)
    # Written while Monday's run was reading, the settling minutes before it: Tuesday's.
    note(student, Kind.NEW_LECTURE, "Just before the run", MONDAY - timedelta(minutes=1))
    note(student, Kind.NEW_LECTURE, "Monday afternoon", MONDAY + timedelta(hours=8))
    with committed():
        assert run_due(now=TUESDAY, only={JOB}) == [JOB]
    monday, tuesday = smtp_server.wait_for(2)
    assert "Monday's" in text(monday) and "Monday afternoon" not in text(monday)
    assert "Just before the run" not in text(monday)
    assert "Monday afternoon" in text(tuesday) and "Just before the run" in text(tuesday)
    assert "Monday's" not in text(tuesday)
    assert tuesday["Subject"] == "Your daily digest: 2 new notifications"


def test_a_missed_day_is_in_the_next_digest(student, smtp_server, committed):
    other = StudentFactory()
    note(other, Kind.NEW_LECTURE, "Other's", MONDAY - timedelta(hours=3))
    with committed():
        services.digests_send(now=MONDAY)
    # The job did not run on Tuesday: Wednesday's digest covers both days.
    note(student, Kind.NEW_LECTURE, "Tuesday morning", TUESDAY - timedelta(hours=12))
    note(student, Kind.NEW_LECTURE, "Wednesday morning", TUESDAY + timedelta(hours=12))
    with committed():
        services.digests_send(now=TUESDAY + timedelta(days=1))
    (message,) = smtp_server.to(student.email)
    assert "Tuesday morning" in text(message) and "Wednesday morning" in text(message)


def test_a_digest_reaches_back_a_week_at_most(student, smtp_server, committed):
    DigestState.objects.create(
        user=student,
        sent_on=(MONDAY - timedelta(days=10)).date(),
        sent_through=MONDAY - timedelta(days=10),
    )
    note(student, Kind.NEW_LECTURE, "Nine days ago", MONDAY - timedelta(days=9))
    note(student, Kind.NEW_LECTURE, "Six days ago", MONDAY - timedelta(days=6))
    with committed():
        services.digests_send(now=MONDAY)
    (message,) = smtp_server.wait_for(1)
    assert "Six days ago" in text(message) and "Nine days ago" not in text(message)


def test_nothing_new_means_no_digest(student, smtp_server, committed):
    NotificationPreference.objects.create(
        user=student, kind=Kind.NEW_LECTURE, delivery=Delivery.IMMEDIATELY
    )
    note(student, Kind.NEW_LECTURE, "Emailed already", MONDAY - timedelta(hours=3))
    note(student, Kind.ENROLLED, "Emailed too", MONDAY - timedelta(hours=3))
    gone = StudentFactory(is_active=False)
    note(gone, Kind.NEW_LECTURE, "Inactive", MONDAY - timedelta(hours=3))
    with committed():
        assert services.digests_send(now=MONDAY) == 0
    assert not Email.objects.exists() and smtp_server.messages == []
    assert not DigestState.objects.exists()


def test_a_long_group_lists_the_newest_and_links_to_the_rest(student, smtp_server, committed):
    for i in range(emails.DIGEST_ITEMS_PER_KIND + 3):
        note(student, Kind.NEW_LECTURE, f"Lecture {i:02}", MONDAY - timedelta(hours=20 - i))
    with committed():
        services.digests_send(now=MONDAY)
    (message,) = smtp_server.wait_for(1)
    plain = text(message)
    assert "Lecture 12" in plain and "Lecture 03" in plain and "Lecture 02" not in plain
    assert f"and 3 more: {SITE}/notifications/" in plain
    assert "and 3 more</a>" in html(message)


def test_notifications_written_through_notify_reach_the_digest(student, smtp_server, committed):
    with committed():
        services.notify(recipient=student, kind=Kind.NEW_LECTURE, title="Fresh", link="/learn/")
    assert smtp_server.messages == []  # a digest kind waits
    later = Notification.objects.get().created_at + timedelta(hours=1)
    with committed():
        assert services.digests_send(now=later) == 1
    (message,) = smtp_server.wait_for(1)
    assert "Fresh" in text(message)


def test_a_notification_emailed_at_once_is_not_in_the_digest_after_switching_to_it(
    student, smtp_server, committed
):
    """Switching a kind from "at once" to the digest does not email the day's ones again."""
    with committed():
        services.notify(recipient=student, kind=Kind.ANNOUNCEMENT, title="Exam moved")
    smtp_server.wait_for(1)  # emailed at once
    services.preferences_save(user=student, choices={Kind.ANNOUNCEMENT: Delivery.DIGEST})
    with committed():
        services.notify(recipient=student, kind=Kind.ANNOUNCEMENT, title="Room changed")
    later = Notification.objects.latest("created_at").created_at + timedelta(hours=1)
    with committed():
        assert services.digests_send(now=later) == 1
    first, digest = smtp_server.wait_for(2)
    assert "Exam moved" in first["Subject"]
    assert digest["Subject"] == "Your daily digest: 1 new notification"
    assert "Room changed" in text(digest) and "Exam moved" not in text(digest)


def test_a_notification_whose_email_awaits_a_retry_is_not_in_the_digest(
    student, smtp_server, committed, email_awaiting_retry
):
    """An email still on its way (a retry after "try later") is not doubled by the digest."""
    email = email_awaiting_retry(student, Kind.ANNOUNCEMENT)
    services.preferences_save(user=student, choices={Kind.ANNOUNCEMENT: Delivery.DIGEST})
    with committed():
        assert services.digests_send(now=email.created_at + timedelta(hours=1)) == 0
    assert mail_services.emails_deliver([email.pk], now=email.next_attempt_at) == 1
    assert len(smtp_server.wait_for(1)) == 1


@pytest.mark.parametrize("users", [3, 40])
def test_the_job_reads_the_same_queries_for_any_number_of_users(
    users, django_assert_max_num_queries
):
    for user in StudentFactory.create_batch(users):
        note(user, Kind.NEW_LECTURE, "Lecture", MONDAY - timedelta(hours=3))
        note(user, Kind.NEW_REVIEW, "Review", MONDAY - timedelta(hours=2))
    # The digest kinds, the last run, the users in the window; then for each batch of
    # users: them, their states, their choices, their notifications, a savepoint around the
    # outbox's three statements and the states' upsert.
    with django_assert_max_num_queries(3 + 4 + 2 + 3 + 1):
        assert services.digests_send(now=MONDAY) == users
    assert DigestState.objects.count() == users


def test_users_are_taken_in_batches(monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(services, "DIGEST_BATCH", 2)
    for user in StudentFactory.create_batch(5):
        note(user, Kind.NEW_LECTURE, "Lecture", MONDAY - timedelta(hours=3))
    with django_assert_max_num_queries(3 + 3 * 10):  # three batches of two, two, one
        assert services.digests_send(now=MONDAY) == 5
    assert Email.objects.filter(kind="notification:digest").count() == 5


def test_the_job_is_due_at_seven(student):
    note(student, Kind.NEW_LECTURE, "Lecture", MONDAY - timedelta(hours=3))
    assert run_due(now=MONDAY - timedelta(minutes=1), only={JOB}) == []
    assert run_due(now=MONDAY, only={JOB}) == [JOB]
    assert Email.objects.count() == 1

"""Announcement emails go by each student's preference, through a real SMTP server."""

import pytest

from notifications.models import Delivery, Notification, NotificationPreference
from progress.services import announcement_post
from tests.factories import CourseFactory, EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def prefer(user, delivery):
    NotificationPreference.objects.create(
        user=user, kind=Notification.Kind.ANNOUNCEMENT, delivery=delivery
    )


def test_each_student_is_emailed_as_they_chose(
    smtp_server, instructor, committed, settings, django_capture_on_commit_callbacks
):
    settings.SITE_NAME = "Maple School"
    settings.SITE_URL = "https://learn.maple.example"
    course = CourseFactory(title="Rust", slug="rust", instructors=[instructor])
    default, at_once, digest, off = (StudentFactory() for _ in range(4))
    prefer(at_once, Delivery.IMMEDIATELY)
    prefer(digest, Delivery.DIGEST)
    prefer(off, Delivery.OFF)
    for student in (default, at_once, digest, off):
        EnrollmentFactory(student=student, course=course)
    not_enrolled = StudentFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        announcement = announcement_post(
            actor=instructor, course=course, title="Exam moves", body="To **Friday**."
        )
    assert smtp_server.messages == []  # the request sends nothing itself
    with committed():
        for callback in callbacks:
            callback()  # the fan-out task, then the delivery tasks its batch enqueued

    messages = smtp_server.wait_for(2)
    assert sorted(m.envelope_to[0] for m in messages) == sorted([default.email, at_once.email])
    message = smtp_server.to(default.email)[0]
    assert "Exam moves" in message["Subject"] and "Rust" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = f"https://learn.maple.example/learn/rust/announcements/#announcement-{announcement.pk}"
    assert "To Friday." in text and "**" not in text and link in text
    assert "Maple School" in text and "Maple School" in html
    assert link in html
    # Everyone enrolled sees it in the site, whatever their email choice; others do not.
    notified = Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT)
    assert set(notified.values_list("recipient_id", flat=True)) == {
        default.pk,
        at_once.pk,
        digest.pk,
        off.pk,
    }
    assert not smtp_server.to(not_enrolled.email)


def test_a_batch_run_again_emails_no_one_again(smtp_server, instructor, committed, settings):
    from progress.services import announcement_deliver_batch

    settings.ANNOUNCEMENT_BATCH_SIZE = 2
    course = CourseFactory(instructors=[instructor])
    students = sorted(
        (EnrollmentFactory(course=course).student for _ in range(3)), key=lambda s: s.pk
    )
    with committed():
        announcement = announcement_post(actor=instructor, course=course, title="T", body="B")
    smtp_server.wait_for(3)
    with committed():
        for after in (0, students[1].pk):
            assert announcement_deliver_batch(announcement_id=announcement.pk, after=after) == 0
    assert sorted(m.envelope_to[0] for m in smtp_server.messages) == sorted(
        s.email for s in students
    )

"""The announcement fan-out on real workers (`manage.py db_worker` processes on the test
database, the database task backend production uses), sending to a real SMTP server."""

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import caches
from django.core.cache.backends import locmem
from django.db.models import Count
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from mail import services as mail_services
from mail.models import Email
from notifications.models import Notification
from progress import services
from progress.models import Announcement, Enrollment
from progress.tasks import deliver_announcement
from tests.factories import CourseFactory, EnrollmentFactory, StudentFactory
from tests.worker import DATABASE_TASKS, Worker, workers

pytestmark = pytest.mark.django_db(transaction=True)

STUDENTS = 2000  # four batches


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def course(instructor):
    course = CourseFactory(title="Big course", instructors=[instructor])
    password = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"fan{i:04d}@example.com", password=password) for i in range(STUDENTS)
    )
    Enrollment.objects.bulk_create(Enrollment(student=user, course=course) for user in users)
    return course


def wait_until(condition, timeout=60.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise AssertionError("timed out")


def delivered_count(announcement) -> int:
    return Announcement.objects.values_list("delivered_count", flat=True).get(pk=announcement.pk)


def idle() -> bool:
    return not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()


def assert_each_student_once(course, smtp_server):
    per_student = (
        Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT)
        .values("recipient_id")
        .annotate(n=Count("id"))
    )
    assert len(per_student) == STUDENTS
    assert {row["n"] for row in per_student} == {1}
    recipients = [m.envelope_to[0] for m in smtp_server.messages]
    assert len(recipients) == STUDENTS
    assert len(set(recipients)) == STUDENTS


def test_two_workers_fan_out_to_every_student_once(database_tasks, smtp_server, instructor, course):
    # Posted in autocommit: the first batch's task is enqueued as the row commits.
    announcement = services.announcement_post(
        actor=instructor, course=course, title="Exam", body="On Friday."
    )
    # The same batch once more, as a retry of a lost task would enqueue it.
    deliver_announcement.enqueue(announcement.pk, 0)
    with workers(2, email_url=smtp_server.url):
        smtp_server.wait_for(STUDENTS, timeout=120)
        wait_until(idle)
        time.sleep(0.5)
    announcement.refresh_from_db()
    assert announcement.is_delivered and announcement.delivered_count == STUDENTS
    assert_each_student_once(course, smtp_server)


def test_a_worker_killed_mid_fan_out_leaves_the_rest_to_the_next(
    database_tasks, smtp_server, instructor, course
):
    announcement = services.announcement_post(
        actor=instructor, course=course, title="Exam", body="On Friday."
    )
    first = Worker(email_url=smtp_server.url)
    wait_until(lambda: delivered_count(announcement) > 0)
    first.kill()  # mid-way: the next batch's transaction dies with it

    # What committed is whole: the cursor and its batch's notifications moved together.
    done = delivered_count(announcement)
    assert 0 < done < STUDENTS
    assert Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT).count() == done

    # The scheduled jobs find the stalled fan-out and the emails left queued; new workers
    # finish, each student notified and emailed once.
    later = timezone.now() + timedelta(minutes=3)
    assert services.announcements_resume(now=later) == 1
    mail_services.emails_retry_due(now=later)
    with workers(2, email_url=smtp_server.url):
        smtp_server.wait_for(STUDENTS, timeout=120)
        wait_until(lambda: delivered_count(announcement) == STUDENTS)
        # Nothing left but the killed worker's task, which no one will pick up again.
        wait_until(
            lambda: (
                not DBTaskResult.objects.filter(status="READY").exists()
                and Email.objects.filter(status="queued").count() == 0
            )
        )
        time.sleep(0.5)
    announcement.refresh_from_db()
    assert announcement.is_delivered
    assert_each_student_once(course, smtp_server)


def test_without_redis_the_worker_s_notifications_reach_the_badge_within_a_minute(
    database_tasks, smtp_server, instructor, settings, client, monkeypatch
):
    # The single-server setup: the server (this process) and the worker each cache in
    # their own memory, so the worker's change never reaches the server's cached count.
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    caches["default"].clear()
    course = CourseFactory(instructors=[instructor])
    student = StudentFactory()
    EnrollmentFactory(student=student, course=course)
    client.force_login(student)

    def badge() -> str:
        html = client.get("/learn/").content.decode()
        return html.split('data-unread-count aria-hidden="true">', 1)[1].split("<", 1)[0]

    assert badge() == "0"
    services.announcement_post(actor=instructor, course=course, title="Exam", body="Friday.")
    worker = Worker(email_url=smtp_server.url, extra_env={"REDIS_URL": ""})
    try:
        wait_until(lambda: Notification.objects.filter(recipient=student).exists())
    finally:
        worker.stop()
    assert badge() == "0"  # the count this process cached stands until it expires

    a_minute_later = time.time() + 61
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: a_minute_later))
    assert badge() == "1"

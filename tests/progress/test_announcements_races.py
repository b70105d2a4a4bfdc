"""Announcements under concurrency: the rate limit and the fan-out's cursor hold with row
locks (PostgreSQL only; SQLite runs one writer at a time anyway)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Count

from notifications.models import Notification
from progress.models import Announcement
from progress.services import announcement_deliver_batch, announcement_post
from tests.factories import CourseFactory, EnrollmentFactory


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite runs one writer at a time anyway")


def at_once(*calls):
    """Run every call at the same moment, each in its own thread and connection; returns
    what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # judged by the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_instructors_posting_at_once_stay_within_the_limit(postgres, instructor, settings):
    settings.ANNOUNCEMENTS_PER_HOUR = 2
    course = CourseFactory(instructors=[instructor])

    outcomes = at_once(
        *(
            lambda i=i: announcement_post(actor=instructor, course=course, title=f"T{i}", body="B")
            for i in range(6)
        )
    )

    assert sum(isinstance(o, Announcement) for o in outcomes) == 2
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 4
    assert Announcement.objects.filter(course=course).count() == 2


def test_one_batch_run_twice_at_once_notifies_each_student_once(postgres, instructor, settings):
    settings.ANNOUNCEMENT_BATCH_SIZE = 3
    course = CourseFactory(instructors=[instructor])
    students = [EnrollmentFactory(course=course).student for _ in range(7)]
    announcement = Announcement.objects.create(
        course=course, author=instructor, title="T", body="B"
    )

    def run():
        return announcement_deliver_batch(announcement_id=announcement.pk, after=0)

    outcomes = at_once(run, run, run)

    # One run did the batch; the others found the cursor moved. The winner's commit
    # enqueued the rest (run at once here), each student once.
    assert sorted(outcomes) == [0, 0, 3]
    counts = dict(
        Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT)
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    assert counts == {student.pk: 1 for student in students}
    announcement.refresh_from_db()
    assert announcement.is_delivered and announcement.delivered_count == 7

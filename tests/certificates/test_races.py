"""Completing the last lecture from several tabs at once issues one certificate
(PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, connections

from certificates.models import Certificate, SigningKey
from notifications.models import Notification
from progress.services import enrollment_create, lecture_complete
from tests.factories import StudentFactory, course_with_lectures

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite runs one writer at a time anyway")


def at_once(*calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def worker(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_concurrent_completion_issues_one_certificate(postgres):
    course = course_with_lectures(modules=1, lectures_per_module=3)
    student = StudentFactory()
    enrollment_create(student=student, course=course)
    first, second, last = course.modules.get().lectures.order_by("order")
    lecture_complete(user=student, course=course, lecture=first)
    lecture_complete(user=student, course=course, lecture=second)

    at_once(*[lambda: lecture_complete(user=student, course=course, lecture=last)] * 6)

    assert Certificate.objects.filter(student=student).count() == 1
    kind = Notification.Kind.CERTIFICATE_ISSUED
    assert Notification.objects.filter(recipient=student, kind=kind).count() == 1


def test_the_first_certificates_made_at_once_share_one_signing_key(postgres):
    course = course_with_lectures(modules=1, lectures_per_module=1)
    (lecture,) = course.modules.get().lectures.all()
    students = [StudentFactory() for _ in range(5)]
    for student in students:
        enrollment_create(student=student, course=course)

    at_once(
        *[(lambda s=s: lecture_complete(user=s, course=course, lecture=lecture)) for s in students]
    )

    assert SigningKey.objects.count() == 1
    methods = {c.credential["proof"][0]["verificationMethod"] for c in Certificate.objects.all()}
    assert Certificate.objects.count() == 5 and len(methods) == 1

"""Who may start a quiz attempt, how many, and resuming the open one."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from assessment.models import Attempt
from assessment.services import attempt_start, attempt_submit, extra_attempt_grant
from progress.services import enrollment_revoke
from tests.assessment.conftest import NOW, single
from tests.factories import AdminFactory, EnrollmentFactory, InstructorFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(quiz):
    return single(quiz)


def test_an_enrolled_student_whose_quiz_is_unlocked_starts_a_counted_attempt(
    student, quiz, question, unlocked
):
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)

    assert attempt.counted is True
    assert attempt.started_at == NOW
    assert attempt.deadline is None
    assert [q["id"] for q in attempt.snapshot["questions"]] == [question.pk]


def test_anonymous_cannot_start(quiz, question):
    with pytest.raises(PermissionDenied):
        attempt_start(student=AnonymousUser(), quiz=quiz, now=NOW)


def test_a_student_not_enrolled_cannot_start(quiz, question):
    with pytest.raises(PermissionDenied):
        attempt_start(student=StudentFactory(), quiz=quiz, now=NOW)
    assert not Attempt.objects.exists()


def test_an_instructor_of_another_course_cannot_start(quiz, question):
    with pytest.raises(PermissionDenied):
        attempt_start(student=InstructorFactory(), quiz=quiz, now=NOW)


def test_a_revoked_enrollment_cannot_start(student, quiz, question, unlocked):
    enrollment_revoke(enrollment=unlocked)
    with pytest.raises(PermissionDenied):
        attempt_start(student=student, quiz=quiz, now=NOW)


def test_a_locked_quiz_cannot_be_started(student, quiz, question, enrollment):
    # The lecture before the quiz is not completed: the unlock rule keeps the quiz closed.
    with pytest.raises(PermissionDenied, match="locked"):
        attempt_start(student=student, quiz=quiz, now=NOW)
    assert not Attempt.objects.exists()


def test_a_free_preview_quiz_still_needs_an_enrollment(quiz, question):
    quiz.lecture.is_free_preview = True
    quiz.lecture.save()
    with pytest.raises(PermissionDenied):
        attempt_start(student=StudentFactory(), quiz=quiz, now=NOW)


def test_an_unpublished_quiz_cannot_be_started_by_a_student(student, quiz, question, unlocked):
    quiz.lecture.is_published = False
    quiz.lecture.save()
    with pytest.raises(PermissionDenied):
        attempt_start(student=student, quiz=quiz, now=NOW)


@pytest.mark.parametrize("manager", ["instructor", "admin"])
def test_course_managers_start_uncounted_attempts_beyond_the_limit(
    manager, instructor, quiz, question
):
    user = instructor if manager == "instructor" else AdminFactory()
    quiz.attempts_allowed = 1
    quiz.save()
    for _ in range(3):
        attempt = attempt_start(student=user, quiz=quiz, now=NOW)
        assert attempt.counted is False
        attempt_submit(student=user, attempt=attempt, answers={}, now=NOW)
    assert Attempt.objects.filter(student=user, counted=False).count() == 3


def test_starting_again_resumes_the_open_attempt(student, quiz, question, unlocked):
    first = attempt_start(student=student, quiz=quiz, now=NOW)
    again = attempt_start(student=student, quiz=quiz, now=NOW + timedelta(minutes=5))

    assert again.pk == first.pk
    assert again.started_at == NOW
    assert Attempt.objects.count() == 1


def test_the_attempts_limit_is_enforced(student, quiz, question, unlocked):
    quiz.attempts_allowed = 2
    quiz.save()
    for _ in range(2):
        attempt = attempt_start(student=student, quiz=quiz, now=NOW)
        attempt_submit(student=student, attempt=attempt, answers={}, now=NOW)

    with pytest.raises(PermissionDenied, match="every attempt"):
        attempt_start(student=student, quiz=quiz, now=NOW)
    assert Attempt.objects.count() == 2


def test_unlimited_attempts(student, quiz, question, unlocked):
    for _ in range(5):
        attempt = attempt_start(student=student, quiz=quiz, now=NOW)
        attempt_submit(student=student, attempt=attempt, answers={}, now=NOW)
    assert Attempt.objects.filter(counted=True).count() == 5


def test_an_extra_attempt_granted_by_an_instructor_allows_one_more(
    student, instructor, quiz, question, unlocked
):
    quiz.attempts_allowed = 1
    quiz.save()
    attempt_submit(
        student=student, attempt=attempt_start(student=student, quiz=quiz, now=NOW), answers={}
    )
    with pytest.raises(PermissionDenied):
        attempt_start(student=student, quiz=quiz, now=NOW)

    grant = extra_attempt_grant(actor=instructor, quiz=quiz, student=student)
    assert grant.granted_by == instructor
    second = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt_submit(student=student, attempt=second, answers={}, now=NOW)

    with pytest.raises(PermissionDenied):
        attempt_start(student=student, quiz=quiz, now=NOW)


def test_an_extra_grant_is_for_one_student_only(student, instructor, quiz, question, unlocked):
    quiz.attempts_allowed = 1
    quiz.save()
    other = StudentFactory()
    EnrollmentFactory(student=other, course=quiz.lecture.module.course).completions.create(
        lecture_id=unlocked.completions.get().lecture_id
    )
    extra_attempt_grant(actor=instructor, quiz=quiz, student=student)
    attempt_submit(
        student=other, attempt=attempt_start(student=other, quiz=quiz, now=NOW), answers={}
    )
    with pytest.raises(PermissionDenied):
        attempt_start(student=other, quiz=quiz, now=NOW)


def test_only_course_managers_grant_extra_attempts(student, quiz, question):
    for actor in (student, InstructorFactory()):
        with pytest.raises(PermissionDenied):
            extra_attempt_grant(actor=actor, quiz=quiz, student=student)
    extra_attempt_grant(actor=AdminFactory(), quiz=quiz, student=student)


def test_an_expired_open_attempt_is_closed_with_zero_and_counts(student, quiz, question, unlocked):
    quiz.time_limit_seconds = 60
    quiz.attempts_allowed = 2
    quiz.save()
    first = attempt_start(student=student, quiz=quiz, now=NOW)

    second = attempt_start(student=student, quiz=quiz, now=NOW + timedelta(hours=1))

    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.submitted_at is not None
    assert first.late is True
    assert first.score == 0
    # Both used: a third is refused, and the second stays open.
    attempt_submit(student=student, attempt=second, answers={}, now=NOW + timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        attempt_start(student=student, quiz=quiz, now=NOW + timedelta(hours=2))


def test_an_expired_attempt_is_closed_even_when_no_attempt_is_left(
    student, quiz, question, unlocked
):
    quiz.time_limit_seconds = 60
    quiz.attempts_allowed = 1
    quiz.save()
    first = attempt_start(student=student, quiz=quiz, now=NOW)

    with pytest.raises(PermissionDenied):
        attempt_start(student=student, quiz=quiz, now=NOW + timedelta(hours=1))

    first.refresh_from_db()
    assert first.submitted_at is not None and first.score == 0


def test_a_quiz_without_questions_cannot_be_started(student, instructor, quiz, unlocked):
    for user in (student, instructor):
        with pytest.raises(ValidationError, match="no questions"):
            attempt_start(student=user, quiz=quiz, now=NOW)
    assert not Attempt.objects.exists()

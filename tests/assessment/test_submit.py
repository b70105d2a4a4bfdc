"""Submitting an attempt: graded once on the server, time limits, and completing the lecture."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, connections, transaction

from assessment.models import Attempt
from assessment.services import attempt_start, attempt_submit, quiz_pass_count
from courses.models import Module
from progress.models import LectureCompletion
from progress.selectors import course_outline_state
from progress.services import enrollment_create, enrollment_revoke, lecture_complete
from teaching.services import lecture_set_published
from tests.assessment.conftest import NOW, correct_choice_ids, single, wrong_choice_ids
from tests.factories import LectureFactory, ModuleFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(quiz):
    return single(quiz)


def _right(question):
    return {str(question.pk): correct_choice_ids(question)[0]}


def _wrong(question):
    return {str(question.pk): wrong_choice_ids(question)[0]}


def test_a_right_answer_scores_and_passes(student, quiz, question, unlocked):
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)

    attempt = attempt_submit(student=student, attempt=attempt, answers=_right(question), now=NOW)

    attempt.refresh_from_db()
    assert attempt.submitted_at == NOW
    assert attempt.score == 100
    assert attempt.passed is True
    assert attempt.answers == {str(question.pk): correct_choice_ids(question)[0]}


def test_a_second_submission_changes_nothing(student, quiz, question, unlocked):
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt_submit(student=student, attempt=attempt, answers=_wrong(question), now=NOW)

    again = attempt_submit(
        student=student, attempt=attempt, answers=_right(question), now=NOW + timedelta(seconds=1)
    )

    again.refresh_from_db()
    assert again.score == 0
    assert again.passed is False
    assert again.submitted_at == NOW
    assert again.answers == _wrong(question)


def test_only_the_attempts_student_may_submit_it(student, quiz, question, unlocked):
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    with pytest.raises(PermissionDenied):
        attempt_submit(student=StudentFactory(), attempt=attempt, answers=_right(question))
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_second_open_attempt_is_refused_by_the_database(student, quiz, question, unlocked):
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(
            quiz=quiz, student=student, started_at=NOW, seed=1, snapshot=attempt.snapshot
        )


def test_answers_within_the_time_limit_and_grace_count(settings, student, quiz, question, unlocked):
    settings.QUIZ_SUBMIT_GRACE_SECONDS = 30
    quiz.time_limit_seconds = 600
    quiz.save()
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    assert attempt.deadline == NOW + timedelta(seconds=600)

    late_but_in_grace = NOW + timedelta(seconds=630)
    attempt = attempt_submit(
        student=student, attempt=attempt, answers=_right(question), now=late_but_in_grace
    )

    assert attempt.late is False
    assert attempt.score == 100 and attempt.passed


def test_answers_after_the_time_limit_and_grace_are_not_counted(
    settings, student, quiz, question, unlocked, lectures
):
    settings.QUIZ_SUBMIT_GRACE_SECONDS = 30
    quiz.time_limit_seconds = 600
    quiz.save()
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)

    attempt = attempt_submit(
        student=student,
        attempt=attempt,
        answers=_right(question),
        now=NOW + timedelta(seconds=631),
    )

    attempt.refresh_from_db()
    assert attempt.late is True
    assert attempt.score == 0
    assert attempt.passed is False
    assert attempt.answers == _right(question)  # kept for the record
    assert not LectureCompletion.objects.filter(lecture=lectures[1]).exists()


def test_a_late_attempt_never_passes_even_with_a_zero_pass_mark(student, quiz, question, unlocked):
    quiz.time_limit_seconds = 60
    quiz.pass_mark = 0
    quiz.save()
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt = attempt_submit(
        student=student, attempt=attempt, answers={}, now=NOW + timedelta(hours=1)
    )
    assert attempt.late and not attempt.passed


def test_passing_completes_the_quiz_lecture_and_unlocks_the_next(
    student, course, quiz, question, unlocked, lectures
):
    outline = course_outline_state(user=student, course=course)
    assert not outline.state_of(lectures[2].pk).is_open

    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt_submit(student=student, attempt=attempt, answers=_right(question), now=NOW)

    outline = course_outline_state(user=student, course=course)
    assert outline.state_of(lectures[1].pk).is_completed
    assert outline.state_of(lectures[2].pk).is_open


def test_failing_leaves_the_next_lecture_locked_and_a_retry_can_pass(
    student, course, quiz, question, unlocked, lectures
):
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt_submit(student=student, attempt=attempt, answers=_wrong(question), now=NOW)
    outline = course_outline_state(user=student, course=course)
    assert not outline.state_of(lectures[1].pk).is_completed
    assert not outline.state_of(lectures[2].pk).is_open

    retry = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt_submit(student=student, attempt=retry, answers=_right(question), now=NOW)
    outline = course_outline_state(user=student, course=course)
    assert outline.state_of(lectures[2].pk).is_open


def test_a_course_managers_pass_completes_nothing(instructor, quiz, question, lectures):
    attempt = attempt_start(student=instructor, quiz=quiz, now=NOW)
    attempt = attempt_submit(student=instructor, attempt=attempt, answers=_right(question), now=NOW)
    assert attempt.passed
    assert not LectureCompletion.objects.exists()


def test_a_pass_after_access_ended_is_recorded_without_completing(
    student, quiz, question, unlocked, lectures
):
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    enrollment_revoke(enrollment=unlocked)

    attempt = attempt_submit(student=student, attempt=attempt, answers=_right(question), now=NOW)

    attempt.refresh_from_db()
    assert attempt.passed and attempt.score == 100
    assert not LectureCompletion.objects.filter(lecture=lectures[1]).exists()


def _quiz_completed(student, course, lectures) -> bool:
    return course_outline_state(user=student, course=course).state_of(lectures[1].pk).is_completed


def test_a_pass_while_access_had_ended_completes_the_lecture_once_access_returns(
    student, course, quiz, question, unlocked, lectures
):
    """A quiz passed while the student's access had ended counts once access returns, though
    no attempt is left."""
    quiz.attempts_allowed = 1
    quiz.save()
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    enrollment_revoke(enrollment=unlocked)
    attempt_submit(student=student, attempt=attempt, answers=_right(question), now=NOW)
    with pytest.raises(PermissionDenied):  # no access, nothing to complete
        quiz_pass_count(student=student, quiz=quiz)

    enrollment_create(student=student, course=course)
    assert not _quiz_completed(student, course, lectures)
    quiz_pass_count(student=student, quiz=quiz)
    assert _quiz_completed(student, course, lectures)
    outline = course_outline_state(user=student, course=course)
    assert outline.state_of(lectures[2].pk).is_open
    quiz_pass_count(student=student, quiz=quiz)  # again: nothing changes
    assert LectureCompletion.objects.filter(lecture=lectures[1]).count() == 1


def test_a_pass_while_a_lecture_was_published_before_the_quiz_counts_once_that_one_is_done(
    instructor, student, course, quiz, question, unlocked, lectures
):
    """A quiz passed while a lecture published before it locked it counts once the student
    has done that lecture."""
    quiz.attempts_allowed = 1
    quiz.save()
    Module.objects.filter(course=course).update(order=1)
    draft = LectureFactory(module=ModuleFactory(course=course, order=0), is_published=False)
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    lecture_set_published(actor=instructor, lecture=draft, is_published=True)
    attempt = attempt_submit(student=student, attempt=attempt, answers=_right(question), now=NOW)
    assert attempt.passed and not _quiz_completed(student, course, lectures)
    with pytest.raises(PermissionDenied):  # locked until the new lecture is done
        quiz_pass_count(student=student, quiz=quiz)
    assert not _quiz_completed(student, course, lectures)

    lecture_complete(user=student, course=course, lecture=draft)
    quiz_pass_count(student=student, quiz=quiz)
    assert _quiz_completed(student, course, lectures)


def test_a_failed_attempt_counts_as_no_pass(student, course, quiz, question, unlocked, lectures):
    """Only a pass completes the quiz lecture."""
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt_submit(student=student, attempt=attempt, answers=_wrong(question), now=NOW)
    with pytest.raises(PermissionDenied):
        quiz_pass_count(student=student, quiz=quiz)
    assert not LectureCompletion.objects.filter(lecture=lectures[1]).exists()


def test_an_uncounted_pass_counts_as_no_pass(student, course, quiz, question, unlocked, lectures):
    """A pass taken as one of the course's managers (not counted) never completes the lecture."""
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    Attempt.objects.filter(pk=attempt.pk).update(counted=False)
    attempt_submit(student=student, attempt=attempt, answers=_right(question), now=NOW)
    assert Attempt.objects.get(pk=attempt.pk).passed
    with pytest.raises(PermissionDenied):
        quiz_pass_count(student=student, quiz=quiz)
    assert not LectureCompletion.objects.filter(lecture=lectures[1]).exists()


def test_the_pass_mark_is_compared_exactly(student, quiz, unlocked):
    # 2 of 3 points is 66.67% rounded but below a 67% pass mark.
    questions = [single(quiz, f"Q{i}", order=i) for i in range(3)]
    quiz.pass_mark = 67
    quiz.save()
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    answers = {**_right(questions[0]), **_right(questions[1]), **_wrong(questions[2])}

    attempt = attempt_submit(student=student, attempt=attempt, answers=answers, now=NOW)

    assert str(attempt.score) == "66.66"
    assert attempt.passed is False


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises whole write transactions, so the paths never overlap",
)


def _race(*calls) -> list:
    """Run `calls` at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(calls))
    results = []

    def run(call):
        barrier.wait()
        try:
            results.append(call())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
@postgresql_only
@pytest.mark.parametrize("round_", range(4))
def test_two_submissions_racing_grade_the_attempt_once(student, quiz, question, unlocked, round_):
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)

    results = _race(
        lambda: attempt_submit(student=student, attempt=attempt, answers=_right(question), now=NOW),
        lambda: attempt_submit(student=student, attempt=attempt, answers=_wrong(question), now=NOW),
    )

    attempt.refresh_from_db()
    # Whichever came first was graded; the other returned that same result.
    assert [r.score for r in results] == [attempt.score, attempt.score]
    assert attempt.answers in (_right(question), _wrong(question))
    assert attempt.passed == (attempt.answers == _right(question))
    assert LectureCompletion.objects.filter(lecture=quiz.lecture).count() == int(attempt.passed)


@pytest.mark.django_db(transaction=True)
@postgresql_only
@pytest.mark.parametrize("round_", range(4))
def test_two_starts_racing_open_one_attempt(student, quiz, question, unlocked, round_):
    results = _race(
        lambda: attempt_start(student=student, quiz=quiz, now=NOW),
        lambda: attempt_start(student=student, quiz=quiz, now=NOW),
    )
    assert results[0].pk == results[1].pk
    assert Attempt.objects.count() == 1

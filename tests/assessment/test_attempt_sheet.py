"""What the attempt form is given: the questions, never their answers."""

import dataclasses
import json

import pytest

from assessment.models import Choice, Question
from assessment.selectors import attempt_sheet, quiz_status
from assessment.services import attempt_start, attempt_submit, extra_attempt_grant
from tests.assessment.conftest import (
    NOW,
    correct_choice_ids,
    numeric,
    short_answer,
    single,
    wrong_choice_ids,
)

pytestmark = pytest.mark.django_db

SECRETS = ["SECRET-ACCEPTED", "SECRET-EXPLANATION", "SECRET-CHOICE-EXPLANATION", "271828"]


@pytest.fixture
def every_kind(quiz):
    question = Question.objects.create(
        quiz=quiz,
        order=0,
        kind=Question.Kind.MULTIPLE,
        text="Pick *all*",
        explanation="SECRET-EXPLANATION",
    )
    Choice.objects.create(
        question=question, text="Yes", is_correct=True, explanation="SECRET-CHOICE-EXPLANATION"
    )
    Choice.objects.create(question=question, text="No", is_correct=False)
    Question.objects.create(
        quiz=quiz,
        order=1,
        kind=Question.Kind.TRUE_FALSE,
        text="Sky is blue",
        true_false_answer=True,
    )
    short_answer(quiz, "SECRET-ACCEPTED", order=2)
    numeric(quiz, "2.71828", "0.000001", order=3)
    return quiz


def _serialised(sheet) -> str:
    return json.dumps(dataclasses.asdict(sheet), default=str)


def test_the_attempt_sheet_holds_no_answers(student, every_kind, unlocked):
    attempt = attempt_start(student=student, quiz=every_kind, now=NOW)
    sheet = attempt_sheet(attempt=attempt)
    data = json.loads(_serialised(sheet))

    def keys(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from keys(item)
        elif isinstance(value, list):
            for item in value:
                yield from keys(item)

    assert set(keys(data)) == {
        "attempt_id", "started_at", "deadline", "questions",
        "id", "number", "kind", "text_html", "points", "choices", "text",
    }  # fmt: skip
    serialised = _serialised(sheet)
    for secret in SECRETS:
        assert secret not in serialised
    assert [q["kind"] for q in data["questions"]] == [
        "multiple", "true_false", "short_answer", "numeric",
    ]  # fmt: skip
    assert [c["text"] for c in data["questions"][0]["choices"]] == ["Yes", "No"]
    assert "<em>all</em>" in data["questions"][0]["text_html"]


def test_question_text_is_sanitised_markdown(student, quiz, unlocked):
    Question.objects.create(
        quiz=quiz,
        kind=Question.Kind.TRUE_FALSE,
        text="<script>alert(1)</script> **bold**",
        true_false_answer=True,
    )
    sheet = attempt_sheet(attempt=attempt_start(student=student, quiz=quiz, now=NOW))
    assert "<script>" not in sheet.questions[0].text_html
    assert "<strong>bold</strong>" in sheet.questions[0].text_html


def test_seconds_left_counts_down_to_zero(student, quiz, unlocked):
    single(quiz)
    quiz.time_limit_seconds = 300
    quiz.save()
    sheet = attempt_sheet(attempt=attempt_start(student=student, quiz=quiz, now=NOW))
    assert sheet.seconds_left(NOW) == 300
    assert sheet.seconds_left(NOW.replace(minute=4)) == 60
    assert sheet.seconds_left(NOW.replace(hour=13)) == 0


def test_quiz_status_shows_attempts_best_score_and_the_pass_mark(
    student, instructor, quiz, unlocked, django_assert_max_num_queries
):
    Question.objects.create(
        quiz=quiz, order=0, kind=Question.Kind.TRUE_FALSE, text="A", true_false_answer=True
    )
    Question.objects.create(
        quiz=quiz, order=1, kind=Question.Kind.TRUE_FALSE, text="B", true_false_answer=True
    )
    quiz.pass_mark, quiz.attempts_allowed, quiz.draw_count = 100, 2, 1
    quiz.save()

    status = quiz_status(student=student, quiz=quiz)
    assert (status.attempts_used, status.attempts_left, status.best_score) == (0, 2, None)
    assert status.pass_mark == 100 and not status.passed and status.can_start
    assert status.question_count == 1

    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    status = quiz_status(student=student, quiz=quiz)
    assert status.open_attempt_id == attempt.pk and status.attempts_used == 1
    answer = {str(q["id"]): "true" for q in attempt.snapshot["questions"]}
    attempt = attempt_submit(student=student, attempt=attempt, answers=answer, now=NOW)
    second = attempt_start(student=student, quiz=quiz, now=NOW)
    second = attempt_submit(student=student, attempt=second, answers={}, now=NOW)

    with django_assert_max_num_queries(4):
        status = quiz_status(student=student, quiz=quiz)
    assert status.attempts_used == 2 and status.attempts_left == 0 and not status.can_start
    assert status.open_attempt_id is None
    assert attempt.score == 100 and second.score == 0
    assert status.best_score == 100

    extra_attempt_grant(actor=instructor, quiz=quiz, student=student)
    status = quiz_status(student=student, quiz=quiz)
    assert status.attempts_allowed == 3 and status.attempts_left == 1 and status.can_start


def test_quiz_status_passed_after_a_passing_attempt(student, quiz, unlocked):
    question = single(quiz)
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt_submit(
        student=student, attempt=attempt, answers={str(question.pk): wrong_choice_ids(question)[0]}
    )
    assert not quiz_status(student=student, quiz=quiz).passed
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt_submit(
        student=student,
        attempt=attempt,
        answers={str(question.pk): correct_choice_ids(question)[0]},
    )
    status = quiz_status(student=student, quiz=quiz)
    assert status.passed and status.best_score == 100 and status.attempts_left is None


def test_a_managers_tries_are_not_in_a_students_status(instructor, quiz):
    Question.objects.create(
        quiz=quiz, kind=Question.Kind.TRUE_FALSE, text="A", true_false_answer=True
    )
    attempt_start(student=instructor, quiz=quiz, now=NOW)
    assert quiz_status(student=instructor, quiz=quiz).attempts_used == 0
    assert quiz_status(student=instructor, quiz=quiz, counted=False).attempts_used == 1

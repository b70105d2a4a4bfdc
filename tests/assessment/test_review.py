"""The result of a submitted attempt, with feedback only as the quiz allows."""

import dataclasses
import json

import pytest
from django.urls import reverse

from assessment.models import Choice, Question, Quiz
from assessment.selectors import attempt_review
from assessment.services import attempt_start, attempt_submit
from tests.assessment.conftest import NOW, correct_choice_ids, numeric, wrong_choice_ids
from tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(quiz):
    question = Question.objects.create(
        quiz=quiz, kind=Question.Kind.SINGLE, text="Pick", explanation="WHY-SECRET"
    )
    Choice.objects.create(question=question, order=0, text="Right", is_correct=True,
                          explanation="RIGHT-SECRET")  # fmt: skip
    Choice.objects.create(question=question, order=1, text="Wrong", is_correct=False)
    return question


def _submit(student, quiz, answers):
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    return attempt_submit(student=student, attempt=attempt, answers=answers, now=NOW)


def _serialised(review) -> str:
    return json.dumps(dataclasses.asdict(review), default=str)


def test_after_each_attempt_shows_right_answers_and_explanations(student, quiz, question, unlocked):
    attempt = _submit(student, quiz, {str(question.pk): wrong_choice_ids(question)[0]})

    review = attempt_review(attempt=attempt)

    assert review.shows_feedback and review.score == 0 and not review.passed
    (q,) = review.questions
    assert q.earned == 0 and "WHY-SECRET" in q.explanation_html
    assert [(c.text, c.picked, c.is_correct) for c in q.choices] == [
        ("Right", False, True),
        ("Wrong", True, False),
    ]
    assert "RIGHT-SECRET" in q.choices[0].explanation_html


@pytest.mark.parametrize("policy", [Quiz.Feedback.NEVER, Quiz.Feedback.AFTER_PASSING])
def test_hidden_feedback_leaves_no_answer_in_the_review(student, quiz, question, unlocked, policy):
    quiz.feedback = policy
    quiz.save()
    attempt = _submit(student, quiz, {str(question.pk): wrong_choice_ids(question)[0]})

    review = attempt_review(attempt=attempt)

    assert not review.shows_feedback
    serialised = _serialised(review)
    assert "SECRET" not in serialised
    assert all(c.is_correct is None for c in review.questions[0].choices)
    assert review.questions[0].choices[1].picked  # the student's own answer still shows


def test_after_passing_shows_feedback_once_the_student_passed(student, quiz, question, unlocked):
    quiz.feedback = Quiz.Feedback.AFTER_PASSING
    quiz.save()
    failed = _submit(student, quiz, {str(question.pk): wrong_choice_ids(question)[0]})
    assert not attempt_review(attempt=failed).shows_feedback

    _submit(student, quiz, {str(question.pk): correct_choice_ids(question)[0]})

    assert attempt_review(attempt=failed).shows_feedback


def test_after_passing_ignores_a_pass_made_while_managing_the_course(
    instructor, course, lectures, quiz, question
):
    """A pass tried as the course's instructor does not reveal answers once a student."""
    quiz.feedback = Quiz.Feedback.AFTER_PASSING
    quiz.save()
    manager_pass = _submit(instructor, quiz, {str(question.pk): correct_choice_ids(question)[0]})
    assert manager_pass.counted is False and manager_pass.passed
    course.instructors.remove(instructor)
    EnrollmentFactory(student=instructor, course=course).completions.create(lecture=lectures[0])

    failed = _submit(instructor, quiz, {str(question.pk): wrong_choice_ids(question)[0]})

    assert failed.counted is True
    assert not attempt_review(attempt=failed).shows_feedback


def test_an_open_attempt_has_no_review(student, quiz, question, unlocked):
    with pytest.raises(ValueError):
        attempt_review(attempt=attempt_start(student=student, quiz=quiz, now=NOW))


def test_the_review_names_the_right_value_of_a_numeric_question(student, quiz, unlocked):
    question = numeric(quiz, "2.50", "0.10")
    attempt = _submit(student, quiz, {str(question.pk): "3"})
    (q,) = attempt_review(attempt=attempt).questions
    assert q.correct_answer == "2.5 ± 0.1" and q.answer == "3" and q.earned == 0


def test_the_result_page_writes_a_round_numeric_value_in_plain_digits(
    client, student, course, quiz, unlocked
):
    """The result page says "100 ± 10" for a round right value, not "1E+2 ± 1E+1"."""
    question = numeric(quiz, "100", "10")
    attempt = _submit(student, quiz, {str(question.pk): "5"})
    (q,) = attempt_review(attempt=attempt).questions
    assert q.correct_answer == "100 ± 10"
    client.force_login(student)
    html = client.get(
        reverse("assessment:result", args=[course.slug, quiz.lecture_id, attempt.pk])
    ).content.decode()
    assert "100 ± 10" in html and "E+" not in html

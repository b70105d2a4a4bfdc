"""Grading of each question kind, through a real attempt at a one-question quiz."""

import pytest

from assessment.models import Attempt
from assessment.services import attempt_start, attempt_submit
from tests.assessment.conftest import (
    NOW,
    correct_choice_ids,
    multiple,
    numeric,
    short_answer,
    single,
    true_false,
    wrong_choice_ids,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def grade(student, quiz, unlocked):
    """Score (percent, as a string) of `answer` to the quiz's only question."""

    def grade(question, answer):
        attempt = attempt_start(student=student, quiz=quiz, now=NOW)
        answers = {} if answer is None else {str(question.pk): answer}
        return str(attempt_submit(student=student, attempt=attempt, answers=answers).score)

    return grade


def test_single_choice(quiz, grade):
    question = single(quiz)
    assert grade(question, correct_choice_ids(question)[0]) == "100.00"
    assert grade(question, str(correct_choice_ids(question)[0])) == "100.00"  # as a form posts
    assert grade(question, wrong_choice_ids(question)[0]) == "0.00"
    assert grade(question, None) == "0.00"


def test_a_choice_of_another_question_is_no_answer(quiz, grade):
    question = single(quiz)
    other = single(quiz, "Other", order=1)
    assert grade(question, correct_choice_ids(question)[0]) == "50.00"
    assert grade(question, correct_choice_ids(other)[0]) == "0.00"
    assert grade(question, 999) == "0.00"


def test_multiple_without_partial_credit_is_all_or_nothing(quiz, grade):
    question = multiple(quiz, correct=(0, 1), count=4)
    right, wrong = correct_choice_ids(question), wrong_choice_ids(question)
    assert grade(question, right) == "100.00"
    assert grade(question, [str(i) for i in right]) == "100.00"
    assert grade(question, right[:1]) == "0.00"
    assert grade(question, right + wrong[:1]) == "0.00"
    assert grade(question, []) == "0.00"


def test_multiple_with_partial_credit(quiz, grade):
    question = multiple(quiz, correct=(0, 1), count=4, partial_credit=True)
    right, wrong = correct_choice_ids(question), wrong_choice_ids(question)
    assert grade(question, right) == "100.00"
    assert grade(question, right[:1]) == "50.00"
    assert grade(question, right + wrong[:1]) == "50.00"  # (2 - 1) / 2
    assert grade(question, right[:1] + wrong[:1]) == "0.00"
    assert grade(question, wrong) == "0.00"  # floored at 0, never negative
    assert grade(question, right + right) == "100.00"  # a repeated id counts once


def test_true_false(quiz, grade):
    question = true_false(quiz, answer=False)
    assert grade(question, "false") == "100.00"
    assert grade(question, False) == "100.00"
    assert grade(question, "true") == "0.00"
    assert grade(question, "maybe") == "0.00"
    assert grade(question, None) == "0.00"


def test_short_answer_ignores_case_and_spaces(quiz, grade):
    question = short_answer(quiz, "Ada Lovelace", "Lovelace")
    assert grade(question, "Ada Lovelace") == "100.00"
    assert grade(question, "  ada   LOVELACE ") == "100.00"
    assert grade(question, "lovelace") == "100.00"
    assert grade(question, "Ada\tLovelace") == "100.00"
    assert grade(question, "AdaLovelace") == "0.00"
    assert grade(question, "Ada Byron") == "0.00"
    assert grade(question, "") == "0.00"
    assert grade(question, "x" * 5000) == "0.00"


def test_numeric_within_tolerance(quiz, grade):
    question = numeric(quiz, "3.14", "0.01")
    assert grade(question, "3.14") == "100.00"
    assert grade(question, "3.15") == "100.00"
    assert grade(question, "3.13") == "100.00"
    assert grade(question, " 3.1416 ") == "100.00"
    assert grade(question, 3.14) == "100.00"
    assert grade(question, "3.16") == "0.00"
    assert grade(question, "pi") == "0.00"
    assert grade(question, "NaN") == "0.00"
    assert grade(question, "Infinity") == "0.00"


@pytest.mark.parametrize("answer", ["1e1000000", "-1e1000000", "1E+999999999999999999", "1e-101"])
def test_numbers_of_absurd_magnitude_are_no_answers(quiz, grade, answer):
    # Once a decimal.Overflow (a 500) in grading, and a number a billion digits long to
    # write out in the gradebook.
    question = numeric(quiz, "3.14", "1000")
    assert grade(question, answer) == "0.00"
    assert grade(question, "1.5e2") == "100.00"


@pytest.mark.parametrize("answer", ["²", "①", "¹²", ["⁵"]])
def test_a_choice_id_of_other_digits_is_no_answer(quiz, grade, answer):
    # str.isdigit() takes them and int() does not: once a ValueError (a 500).
    assert grade(single(quiz), answer) == "0.00"
    assert grade(multiple(quiz), answer) == "0.00"


def test_numeric_exact_without_tolerance(quiz, grade):
    question = numeric(quiz, "42")
    assert grade(question, "42") == "100.00"
    assert grade(question, "42.0") == "100.00"
    assert grade(question, "42.001") == "0.00"


def test_points_weigh_questions(student, quiz, unlocked):
    light = single(quiz, "Light", order=0, points=1)
    heavy = single(quiz, "Heavy", order=1, points=3)
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt = attempt_submit(
        student=student,
        attempt=attempt,
        answers={
            str(light.pk): wrong_choice_ids(light)[0],
            str(heavy.pk): correct_choice_ids(heavy)[0],
        },
    )
    assert str(attempt.score) == "75.00"


def test_malformed_answers_are_no_answers(student, quiz, unlocked):
    question = single(quiz)
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt = attempt_submit(
        student=student,
        attempt=attempt,
        answers={str(question.pk): {"id": 1}, "not-a-question": "x", "999": 1},
    )
    assert attempt.score == 0
    assert attempt.answers == {}


def test_answers_not_a_dict_grade_as_empty(student, quiz, unlocked):
    single(quiz)
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt = attempt_submit(student=student, attempt=attempt, answers=["nonsense"])
    assert attempt.score == 0 and attempt.submitted_at is not None


def test_an_attempt_without_questions_never_passes(student, quiz, unlocked):
    # Starting refuses an empty quiz; grading holds on its own for an empty snapshot.
    quiz.pass_mark = 0
    quiz.save()
    attempt = Attempt.objects.create(
        quiz=quiz,
        student=student,
        started_at=NOW,
        seed=1,
        snapshot={"version": 1, "pass_mark": 0, "feedback": "never", "questions": []},
    )
    attempt = attempt_submit(student=student, attempt=attempt, answers={})
    assert attempt.passed is False and attempt.score == 0

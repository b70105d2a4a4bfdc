"""Quizzes authored in the Django admin until the instructor workspace has pages for them."""

import pytest
from django.urls import reverse

from assessment.models import Attempt, Choice, ExtraAttempt, Question, Quiz
from assessment.services import attempt_start
from tests.assessment.conftest import NOW, single
from tests.factories import LectureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_every_assessment_admin_page_opens(admin_client, instructor, quiz):
    question = single(quiz)
    attempt = attempt_start(student=instructor, quiz=quiz, now=NOW)
    pages = [
        reverse("admin:assessment_quiz_changelist"),
        reverse("admin:assessment_quiz_add"),
        reverse("admin:assessment_quiz_change", args=[quiz.pk]),
        reverse("admin:assessment_question_changelist"),
        reverse("admin:assessment_question_change", args=[question.pk]),
        reverse("admin:assessment_attempt_changelist"),
        reverse("admin:assessment_attempt_change", args=[attempt.pk]),
        reverse("admin:assessment_extraattempt_add"),
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_a_question_with_its_choices_is_written_in_the_admin(admin_client, quiz):
    response = admin_client.post(
        reverse("admin:assessment_question_add"),
        {
            "quiz": quiz.pk,
            "order": "0",
            "kind": "single",
            "text": "Which?",
            "points": "1",
            "numeric_tolerance": "0",
            "accepted_answers": "[]",
            "choices-TOTAL_FORMS": "2",
            "choices-INITIAL_FORMS": "0",
            "choices-0-order": "0",
            "choices-0-text": "This",
            "choices-0-is_correct": "on",
            "choices-1-order": "1",
            "choices-1-text": "That",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get()
    assert list(Choice.objects.filter(question=question).values_list("text", "is_correct")) == [
        ("This", True),
        ("That", False),
    ]


def _question_change(admin_client, question, accepted_answers: str):
    return admin_client.post(
        reverse("admin:assessment_question_change", args=[question.pk]),
        {
            "quiz": question.quiz_id,
            "order": "0",
            "kind": question.kind,
            "text": question.text,
            "points": "1",
            "true_false_answer": "true",
            "numeric_tolerance": "0",
            "accepted_answers": accepted_answers,
            "choices-TOTAL_FORMS": "0",
            "choices-INITIAL_FORMS": "0",
        },
    )


@pytest.mark.parametrize("accepted_answers", ["5", "true", '"abc"', "[1, null]", "NaN", "[NaN]"])
def test_accepted_answers_that_are_not_a_list_of_text_are_refused(
    admin_client, quiz, accepted_answers
):
    # Once saved for a choice question, they made the quiz's start, the question's editor
    # and the GIFT export fail (a 500 each).
    question = Question.objects.create(
        quiz=quiz, kind="true_false", text="T?", true_false_answer=True
    )
    response = _question_change(admin_client, question, accepted_answers)
    assert response.status_code == 200
    assert "List the accepted answers as text." in response.content.decode()
    question.refresh_from_db()
    assert question.accepted_answers == []


def test_an_empty_accepted_answers_box_saves_none(admin_client, quiz):
    # The form reads an empty box as null, which the column refuses (once a 500).
    question = Question.objects.create(
        quiz=quiz, kind="true_false", text="T?", true_false_answer=True
    )
    response = _question_change(admin_client, question, "")
    assert response.status_code == 302, response.content.decode()[:2000]
    question.refresh_from_db()
    assert question.accepted_answers == []


def test_a_quiz_only_goes_on_a_quiz_lecture(admin_client, lectures):
    text_lecture = lectures[0]
    response = admin_client.post(
        reverse("admin:assessment_quiz_add"),
        {
            "lecture": text_lecture.pk,
            "pass_mark": "70",
            "feedback": "never",
            "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Quiz.objects.exists()


def test_attempts_are_read_only_in_the_admin(admin_client, instructor, quiz):
    single(quiz)
    attempt = attempt_start(student=instructor, quiz=quiz, now=NOW)
    response = admin_client.post(
        reverse("admin:assessment_attempt_change", args=[attempt.pk]), {"seed": "1"}
    )
    assert response.status_code == 403
    assert Attempt.objects.get().seed == attempt.seed


def test_an_extra_attempt_is_granted_by_the_admin_who_adds_it(
    admin_client, admin_user, student, quiz
):
    response = admin_client.post(
        reverse("admin:assessment_extraattempt_add"),
        {"quiz": quiz.pk, "student": student.pk},
    )
    assert response.status_code == 302
    assert ExtraAttempt.objects.get().granted_by == admin_user


def test_a_quiz_lecture_is_picked_for_a_new_quiz(admin_client, quiz):
    other = LectureFactory(module=quiz.lecture.module, order=7, kind="quiz", body="")
    response = admin_client.post(
        reverse("admin:assessment_quiz_add"),
        {
            "lecture": other.pk,
            "pass_mark": "80",
            "feedback": "after_passing",
            "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert other.quiz.pass_mark == 80

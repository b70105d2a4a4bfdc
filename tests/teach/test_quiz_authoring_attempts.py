"""Editing a quiz never rewrites a past attempt: each keeps the questions it was shown."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from assessment import selectors, services
from assessment.models import Attempt, Quiz
from courses.models import Lecture
from tests.assessment.conftest import correct_choice_ids, numeric, single
from tests.factories import CourseFactory, EnrollmentFactory, LectureFactory, ModuleFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def lecture(instructor):
    module = ModuleFactory(course=CourseFactory(instructors=[instructor]))
    LectureFactory(module=module, order=0, title="Intro")
    return LectureFactory(module=module, order=1, kind=Lecture.Kind.QUIZ, body="")


@pytest.fixture
def quiz(lecture):
    quiz = Quiz.objects.create(lecture=lecture, pass_mark=50)
    single(quiz, "Which planet is red?", order=0, correct=1)
    numeric(quiz, "2", order=1)
    return quiz


@pytest.fixture
def attempt(student, lecture, quiz):
    enrollment = EnrollmentFactory(student=student, course=lecture.module.course)
    enrollment.completions.create(lecture=lecture.module.lectures.get(order=0))
    attempt = services.attempt_start(student=student, quiz=quiz, now=NOW)
    red = quiz.questions.get(order=0)
    answers = {str(red.pk): correct_choice_ids(red)[0], str(quiz.questions.get(order=1).pk): "3"}
    return services.attempt_submit(
        student=student, attempt=attempt, answers=answers, now=NOW + timedelta(minutes=1)
    )


def record(attempt):
    attempt = Attempt.objects.get(pk=attempt.pk)
    return (
        attempt.snapshot,
        attempt.answers,
        attempt.score,
        attempt.passed,
        selectors.attempt_review(attempt=attempt),
    )


def test_editing_and_deleting_questions_leaves_the_review_unchanged(
    teacher, client, student, lecture, quiz, attempt
):
    before = record(attempt)
    red = quiz.questions.get(order=0)
    first, second, third = red.choices.order_by("order")
    slug = lecture.module.course.slug
    edit = reverse("teach:question_edit", args=[slug, lecture.pk, red.pk])
    response = teacher.post(
        edit,
        {
            "text": "Which planet is blue?",
            "points": "9",
            "choices-TOTAL_FORMS": "3",
            "choices-INITIAL_FORMS": "3",
            "choices-0-id": str(first.pk),
            "choices-0-text": "Neptune",
            "choices-0-is_correct": "on",
            "choices-1-id": str(second.pk),
            "choices-1-text": "Mars",
            "choices-2-id": str(third.pk),
            "choices-2-text": "Gone",
            "choices-2-DELETE": "on",
        },
    )
    assert response.status_code == 302
    delete = reverse(
        "teach:question_delete", args=[slug, lecture.pk, quiz.questions.get(order=1).pk]
    )
    assert teacher.post(delete).status_code == 302
    settings = {"pass_mark": "100", "feedback": "after_each_attempt"}
    assert teacher.post(reverse("teach:quiz_edit", args=[slug, lecture.pk]), settings).status_code
    assert quiz.questions.count() == 1

    assert record(attempt) == before
    # What the student sees on the result page: the question as it was, the score it got.
    client.force_login(student)
    result = reverse("assessment:result", args=[slug, lecture.pk, attempt.pk])
    html = client.get(result).content.decode()
    assert "Which planet is red?" in html and "Which planet is blue?" not in html
    assert "Which planet is red? choice 2" in html  # the deleted choice, as shown then


def test_the_editor_says_attempts_keep_their_questions(teacher, lecture, attempt):
    html = teacher.get(reverse("teach:quiz_edit", args=[lecture.module.course.slug, lecture.pk]))
    html = html.content.decode()
    assert "1 attempt so far" in html
    assert "Their attempts keep the questions as they were" in html


def test_the_delete_page_says_attempts_keep_the_question(teacher, lecture, quiz, attempt):
    question = quiz.questions.get(order=0)
    url = reverse(
        "teach:question_delete", args=[lecture.module.course.slug, lecture.pk, question.pk]
    )
    assert "Attempts already made keep it" in teacher.get(url).content.decode()


def test_deleting_a_quiz_lecture_warns_that_attempts_go_with_it(teacher, lecture, attempt):
    course = lecture.module.course
    url = reverse("teach:lecture_delete", args=[course.slug, lecture.pk])
    page = teacher.get(url).content.decode()
    assert "attempts at it" in page
    intro = lecture.module.lectures.get(order=0)
    other = teacher.get(reverse("teach:lecture_delete", args=[course.slug, intro.pk]))
    assert "attempts at it" not in other.content.decode()

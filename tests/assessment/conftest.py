from datetime import UTC, datetime
from decimal import Decimal

import pytest

from assessment.models import Choice, Question, Quiz
from courses.models import Lecture
from tests.factories import CourseFactory, EnrollmentFactory, LectureFactory, ModuleFactory

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_quiz(lecture, **settings) -> Quiz:
    return Quiz.objects.create(lecture=lecture, **settings)


def single(quiz, text="Pick one", *, order=0, correct=1, count=3, points=1, **extra) -> Question:
    question = Question.objects.create(
        quiz=quiz, order=order, kind=Question.Kind.SINGLE, text=text, points=points, **extra
    )
    for i in range(count):
        Choice.objects.create(
            question=question, order=i, text=f"{text} choice {i}", is_correct=i == correct
        )
    return question


def multiple(quiz, *, correct=(0, 1), count=4, partial_credit=False, order=0) -> Question:
    question = Question.objects.create(
        quiz=quiz,
        order=order,
        kind=Question.Kind.MULTIPLE,
        text="Pick all that apply",
        partial_credit=partial_credit,
    )
    for i in range(count):
        Choice.objects.create(question=question, order=i, text=f"m{i}", is_correct=i in correct)
    return question


def true_false(quiz, answer=True, order=0) -> Question:
    return Question.objects.create(
        quiz=quiz,
        order=order,
        kind=Question.Kind.TRUE_FALSE,
        text="True?",
        true_false_answer=answer,
    )


def short_answer(quiz, *answers, order=0) -> Question:
    return Question.objects.create(
        quiz=quiz,
        order=order,
        kind=Question.Kind.SHORT_ANSWER,
        text="Name it",
        accepted_answers=list(answers),
    )


def numeric(quiz, value, tolerance="0", order=0) -> Question:
    return Question.objects.create(
        quiz=quiz,
        order=order,
        kind=Question.Kind.NUMERIC,
        text="How much?",
        numeric_value=Decimal(value),
        numeric_tolerance=Decimal(tolerance),
    )


def correct_choice_ids(question: Question) -> list[int]:
    return list(question.choices.filter(is_correct=True).values_list("pk", flat=True))


def wrong_choice_ids(question: Question) -> list[int]:
    return list(question.choices.filter(is_correct=False).values_list("pk", flat=True))


@pytest.fixture
def course(instructor):
    """One module: a text lecture, a quiz lecture, a text lecture."""
    course = CourseFactory(instructors=[instructor])
    module = ModuleFactory(course=course, order=0)
    LectureFactory(module=module, order=0, title="Intro")
    LectureFactory(module=module, order=1, title="Check", kind=Lecture.Kind.QUIZ, body="")
    LectureFactory(module=module, order=2, title="After")
    return course


@pytest.fixture
def lectures(course):
    return list(Lecture.objects.filter(module__course=course).order_by("order"))


@pytest.fixture
def quiz(lectures):
    return make_quiz(lectures[1], pass_mark=50)


@pytest.fixture
def enrollment(student, course):
    return EnrollmentFactory(student=student, course=course)


@pytest.fixture
def unlocked(enrollment, lectures):
    """The student has completed the lecture before the quiz."""
    enrollment.completions.create(lecture=lectures[0])
    return enrollment

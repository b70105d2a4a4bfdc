"""A student takes a quiz with the keyboard only, fails, retries, passes, and moves on."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessment.models import Attempt, Choice, Question, Quiz
from assessment.services import attempt_start
from courses.models import Lecture
from progress.models import LectureCompletion
from tests.axe import assert_no_axe_violations
from tests.browser import log_in_with_session
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LectureFactory,
    ModuleFactory,
    StudentFactory,
)

pytestmark = pytest.mark.browser


def test_student_takes_a_quiz_with_the_keyboard(page, live_daphne):
    course = CourseFactory(title="Quiz Course")
    module = ModuleFactory(course=course, order=0)
    check = LectureFactory(module=module, order=0, title="Check", kind=Lecture.Kind.QUIZ, body="")
    after = LectureFactory(module=module, order=1, title="After the quiz")
    quiz = Quiz.objects.create(lecture=check, pass_mark=100)
    question = Question.objects.create(
        quiz=quiz, order=0, kind=Question.Kind.SINGLE, text="Which is blue?"
    )
    for i, text in enumerate(["Grass", "Sky"]):
        Choice.objects.create(question=question, order=i, text=text, is_correct=text == "Sky")
    Question.objects.create(
        quiz=quiz,
        order=1,
        kind=Question.Kind.SHORT_ANSWER,
        text="Name the planet we live on.",
        accepted_answers=["Earth"],
    )
    student = StudentFactory()
    EnrollmentFactory(student=student, course=course)
    log_in_with_session(page, live_daphne, student)

    page.goto(f"/learn/{course.slug}/lectures/{check.pk}/")
    expect(page.get_by_role("button", name="Mark as complete")).to_have_count(0)
    page.get_by_role("link", name="Take the quiz").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Start the quiz").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("group", name="Question 1 of 2")).to_be_visible()
    assert_no_axe_violations(page)

    # A wrong answer first.
    page.get_by_label("Grass").focus()
    page.keyboard.press("Space")
    page.get_by_label("Your answer").focus()
    page.keyboard.type("Mars")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your score: 0%")).to_be_visible()
    assert_no_axe_violations(page)
    assert not LectureCompletion.objects.filter(lecture=check).exists()

    # Then the right one.
    page.get_by_role("button", name="Try again").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("group", name="Question 1 of 2")).to_be_visible()
    page.get_by_label("Sky").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Sky")).to_be_checked()
    page.get_by_label("Your answer").focus()
    page.keyboard.type("  earth ")
    page.get_by_role("button", name="Submit answers").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your score: 100%")).to_be_visible()
    assert LectureCompletion.objects.filter(lecture=check).exists()
    assert Attempt.objects.filter(student=student).count() == 2

    page.get_by_role("link", name="Next: After the quiz").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(after.title)


def test_the_countdown_sends_the_answers_when_the_time_is_up(page, live_daphne):
    course = CourseFactory(title="Timed Course")
    module = ModuleFactory(course=course, order=0)
    check = LectureFactory(module=module, order=0, title="Timed check", kind=Lecture.Kind.QUIZ)
    quiz = Quiz.objects.create(lecture=check, pass_mark=100, time_limit_seconds=600)
    question = Question.objects.create(
        quiz=quiz, order=0, kind=Question.Kind.SINGLE, text="Which is blue?"
    )
    for i, text in enumerate(["Grass", "Sky"]):
        Choice.objects.create(question=question, order=i, text=text, is_correct=text == "Sky")
    student = StudentFactory()
    EnrollmentFactory(student=student, course=course)
    log_in_with_session(page, live_daphne, student)

    # An attempt with fifteen seconds left: time to answer even on a busy machine.
    attempt = attempt_start(student=student, quiz=quiz)
    now = timezone.now()
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=now - timedelta(seconds=585), deadline=now + timedelta(seconds=15)
    )
    page.goto(f"/learn/{course.slug}/lectures/{check.pk}/quiz/attempts/{attempt.pk}/")
    timer = page.get_by_role("timer")
    expect(page.get_by_text("when this page was loaded")).to_be_hidden()
    expect(timer).to_have_text(re.compile(r"^0:(0[1-9]|1[0-5])$"))
    assert_no_axe_violations(page)
    page.get_by_label("Sky").check()
    expect(page.get_by_role("heading", name="Your score: 100%")).to_be_visible(timeout=30_000)
    attempt.refresh_from_db()
    assert attempt.passed and not attempt.late

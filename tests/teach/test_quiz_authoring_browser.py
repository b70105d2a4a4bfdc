"""An instructor writes a quiz in Chromium: the quiz lecture, a question with its choices,
a pasted GIFT bank, drag and drop, and the editor on a phone."""

import os

import pytest
from playwright.sync_api import expect

from assessment.models import Quiz
from courses.models import Lecture
from tests.browser import log_in_with_session
from tests.factories import CourseFactory, ModuleFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("WORKSPACE_SCREENSHOTS")  # a folder, to look at the pages

NO_SIDEWAYS_SCROLL = (
    "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
)


def drag(page, source, target):
    """Drag with the mouse, in steps, as a person would (SortableJS listens to the moves)."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=15)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] - 3, steps=6)
    page.wait_for_timeout(100)
    page.mouse.up()


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_instructor_writes_a_quiz(page, live_daphne, transactional_db, instructor):
    course = CourseFactory(title="Quiz course", instructors=[instructor])
    module = ModuleFactory(course=course, title="Basics", order=0)
    log_in_with_session(page, live_daphne, instructor)
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"/teach/{course.slug}/modules/{module.pk}/lectures/new/")
    page.get_by_label("Title").fill("Checkpoint")
    page.get_by_label("Kind").select_option("quiz")
    page.get_by_role("button", name="Save lecture").click()
    page.get_by_text("Quiz lecture added. Now add its questions.").wait_for()
    lecture = Lecture.objects.get(title="Checkpoint")
    assert Quiz.objects.filter(lecture=lecture).exists()

    page.get_by_label("Kind of question").select_option("single")
    page.get_by_role("button", name="Add a question").click()
    page.get_by_label("Question (Markdown)").fill("Which planet is red?")
    page.locator("#id_choices-0-text").fill("Venus")
    page.locator("#id_choices-1-text").fill("Mars")
    page.locator("#id_choices-1-is_correct").check()
    shot(page, "quiz-question-form-desktop")
    page.get_by_role("button", name="Save question").click()
    page.get_by_text("Question added.").wait_for()

    page.get_by_label("Or paste GIFT text").fill("The Earth is flat.{F}\n\nPi?{#3.14:0.01}\n")
    page.get_by_role("button", name="Import questions").click()
    page.get_by_text("2 questions imported.").wait_for()
    rows = page.locator(".qz-question .ws-title")
    expect(rows).to_have_count(3)

    quiz = Quiz.objects.get(lecture=lecture)
    first, _second, third = quiz.questions.order_by("order")
    handle = page.locator(f"#question-{third.pk} [data-handle]")
    expect(handle).to_be_visible()  # shown by sortable_lists.js
    with page.expect_response(lambda r: "/questions/reorder/" in r.url) as reordered:
        drag(page, handle, page.locator(f"#question-{first.pk}"))
    assert reordered.value.status == 200
    # The drag moves the row at once; its new number shows once the server's list is in.
    expect(rows.first).to_contain_text("Question 1: Pi?")
    assert list(quiz.questions.order_by("order").values_list("text", flat=True)) == [
        "Pi?",
        "Which planet is red?",
        "The Earth is flat.",
    ]
    shot(page, "quiz-editor-desktop")

    # The move buttons still work after the swap, and keep the focus on the moved question.
    page.get_by_role("button", name="Move down question 1").click()
    page.wait_for_load_state()
    expect(rows.first).to_contain_text("Which planet is red?")
    expect(page.locator(f"#question-{third.pk}-down")).to_be_focused()

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 0
    shot(page, "quiz-editor-phone")
    page.goto(f"/teach/{course.slug}/lectures/{lecture.pk}/quiz/questions/{first.pk}/edit/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 0
    shot(page, "quiz-question-form-phone")
    assert page.console_errors == []

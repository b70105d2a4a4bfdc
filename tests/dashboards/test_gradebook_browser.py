"""The gradebook in Chromium: accessible (axe) on a desktop and a phone, the wide table
scrolling inside its frame, and a grant made from the keyboard."""

import os

import pytest
from playwright.sync_api import expect

from assessment.models import ExtraAttempt
from tests.axe import assert_no_axe_violations
from tests.browser import log_in_with_session
from tests.dashboards.test_gradebook import make_school
from tests.dashboards.test_gradebook_analytics import answers, crafted_quiz, students, take

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("GRADEBOOK_SCREENSHOTS")  # a folder, to look at the pages

# How far the page itself scrolls sideways (a wide table scrolls inside its .table-wrap).
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_the_pages_are_accessible_at_both_sizes(page, live_daphne, width, height):
    school = make_school()
    crafted = crafted_quiz()
    (student,) = students(crafted, 1)
    take(crafted, student, answers(crafted, pick=0, multi=[0], tf="false", short="Lima"))
    page.set_viewport_size({"width": width, "height": height})
    for user, path in [
        (school.instructor, f"/teach/{school.course.slug}/gradebook/"),
        (
            crafted.instructor,
            f"/teach/{crafted.quiz.lecture.module.course.slug}/gradebook/quizzes/"
            f"{crafted.quiz.lecture_id}/",
        ),
    ]:
        log_in_with_session(page, live_daphne, user)
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_axe_violations(page)
        assert page.evaluate(PAGE_OVERFLOW) <= 1
        if SCREENSHOTS:
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=f"{SCREENSHOTS}/{name}-{width}.png", full_page=True)
    assert page.console_errors == []


def test_an_instructor_grants_an_attempt_from_the_keyboard(page, live_daphne):
    school = make_school()
    log_in_with_session(page, live_daphne, school.instructor)
    page.goto(f"/teach/{school.course.slug}/gradebook/?q=bob")
    button = page.get_by_role("button", name="+1 attempt for Bob Brown at Warm-up quiz")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text(
        "Bob Brown has one more attempt at “Warm-up quiz”."
    )
    assert page.url.endswith("/gradebook/?q=bob")
    cell = page.locator(f'[data-cell="{school.bob.pk}-{school.first.pk}"]')
    expect(cell).to_contain_text("2 of 3 attempts (1 extra)")
    assert ExtraAttempt.objects.filter(student=school.bob).count() == 1

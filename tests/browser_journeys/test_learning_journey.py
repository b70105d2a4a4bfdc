"""A student takes a course from the first lecture to the end, then reviews it."""

import pytest
from playwright.sync_api import expect

from courses.models import Lecture
from progress.models import Enrollment, LectureCompletion, Review
from tests.browser import log_in_with_session
from tests.factories import EnrollmentFactory, StudentFactory, course_with_lectures

pytestmark = pytest.mark.browser


def test_student_completes_a_course_in_order_and_reviews_it(page, live_daphne):
    course = course_with_lectures(modules=2, lectures_per_module=2, title="Browser Course")
    student = StudentFactory()
    enrollment = EnrollmentFactory(student=student, course=course)
    titles = list(
        Lecture.objects.filter(module__course=course)
        .order_by("module__order", "order")
        .values_list("title", flat=True)
    )
    log_in_with_session(page, live_daphne, student)

    page.goto("/learn/")
    page.get_by_role("link", name="Start Browser Course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])
    outline = page.locator("#course-outline")
    expect(outline.locator("[data-state=locked]")).to_have_count(3)
    # A click on a link returns before the page's deferred scripts run: until htmx has
    # bound the form, "Mark as complete" would post it the way it works without scripts.
    page.wait_for_load_state()
    # A marker on the window survives only if no page load happens.
    page.evaluate("window.noReload = true")

    for done in range(1, 5):
        page.get_by_role("button", name="Mark as complete").click()
        expect(page.locator("#course-progress-bar")).to_have_attribute("value", str(done * 25))
        expect(outline.locator("[data-state=completed]")).to_have_count(done)
        assert page.evaluate("window.noReload") is True
        if done < 4:
            expect(page.locator("#lecture-complete")).to_contain_text("Completed")
            # The next lecture unlocked in place: its outline entry is a link now, and the
            # link to it has the keyboard focus.
            expect(outline.locator("[data-state=locked]")).to_have_count(3 - done)
            next_link = page.get_by_role("link", name=f"Next: {titles[done]}")
            expect(next_link).to_be_focused()
            next_link.click()
            expect(page.get_by_role("heading", level=1)).to_have_text(titles[done])
            page.wait_for_load_state()
            page.evaluate("window.noReload = true")

    panel = page.locator("#course-complete")
    expect(panel).to_contain_text("Course complete")
    expect(panel).to_be_focused()
    expect(panel.get_by_role("link", name="Back to My learning")).to_be_visible()
    assert LectureCompletion.objects.filter(enrollment=enrollment).count() == 4
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None

    panel.get_by_role("link", name="Review the course").click()
    rating = page.get_by_role("group", name="Rating")
    expect(rating.get_by_role("radio")).to_have_count(5)
    rating.get_by_role("radio", name="4 stars").check()
    page.get_by_label("Review").fill("Clear and well paced.")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Thank you for your review.")).to_be_visible()
    assert Review.objects.get(student=student, course=course).rating == 4

    page.goto("/learn/")
    expect(page.get_by_text("100% complete")).to_be_visible()
    expect(page.get_by_text("✓ Completed")).to_be_visible()
    expect(page.get_by_role("link", name="Continue")).to_have_count(0)
    assert Enrollment.objects.get(pk=enrollment.pk).last_lecture is not None
    assert page.console_errors == []

"""An instructor builds out a course in Chromium: module, text lecture, reorder, publish."""

import pytest
from playwright.sync_api import expect

from courses.models import Module
from notifications.models import Notification
from tests.browser import login
from tests.factories import PASSWORD, CourseFactory, EnrollmentFactory

pytestmark = pytest.mark.browser


def test_instructor_builds_a_module_with_a_lecture(page, instructor):
    course = CourseFactory(title="Browser course", instructors=[instructor])
    Module.objects.create(course=course, title="Existing module", order=0)
    enrolled = EnrollmentFactory(course=course).student

    login(page, instructor.email, PASSWORD)
    page.wait_for_url("**/learn/")
    page.goto("/teach/")
    page.console_errors.clear()  # login lands on /learn/, which is not part of this journey
    page.get_by_role("link", name="Browser course", exact=True).click()

    page.get_by_role("link", name="Add a module").click()
    page.get_by_label("Title").fill("Getting started")
    page.get_by_label("Published").uncheck()
    page.get_by_role("button", name="Save module").click()
    page.get_by_text("Module “Getting started” added.").wait_for()

    page.get_by_role("link", name="Add a lecture to Getting started").click()
    # Until htmx has bound the page, its buttons work as they do without scripts.
    page.wait_for_load_state()
    page.get_by_label("Title").fill("Welcome")
    page.get_by_label("Text (Markdown)").fill("# Hello\n\n**Welcome** aboard")
    page.get_by_role("button", name="Preview").click()  # htmx swaps the preview in place
    page.locator("#markdown-preview strong", has_text="Welcome").wait_for()
    page.get_by_role("button", name="Save lecture").click()
    page.get_by_text("Lecture added.").wait_for()
    page.wait_for_load_state()

    # Reorder with htmx: the outline is swapped without a page load.
    page.get_by_role("button", name="Move up Getting started").click()
    expect(page.locator(".ws-module h3").first).to_contain_text("Getting started")
    # The focus stays on the moved module's controls (its "Move up" is now disabled).
    expect(page.get_by_role("button", name="Move down Getting started")).to_be_focused()
    assert list(course.modules.order_by("order").values_list("title", flat=True)) == [
        "Getting started",
        "Existing module",
    ]

    # Publishing is one of the quieter actions, in the module's menu.
    page.locator("summary", has_text="More actions for Getting started").click()
    page.get_by_role("button", name="Publish Getting started").click()
    started = course.modules.get(title="Getting started")
    expect(page.locator(f"#module-{started.pk} .ws-module-row .pill")).to_have_text("Published")
    assert course.modules.get(title="Getting started").is_published
    assert Notification.objects.filter(
        recipient=enrolled, kind=Notification.Kind.NEW_LECTURE
    ).exists()
    assert page.console_errors == []

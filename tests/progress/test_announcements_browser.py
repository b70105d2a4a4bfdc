"""An instructor posts an announcement in Chromium; a student finds it beside the lecture.

axe checks the workspace's announcements page, the learner's page and the player's side, on
a laptop and a phone.
"""

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from progress.models import Announcement
from tests.axe import assert_no_axe_violations
from tests.browser import log_in_with_session
from tests.factories import CourseFactory, EnrollmentFactory, LectureFactory, ModuleFactory

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_announcement_from_the_workspace_to_the_player(
    page, live_daphne, instructor, student, size
):
    page.set_viewport_size(size)
    # A title of its own per size: the live server's cache outlives the test's database.
    course = CourseFactory(title=f"Announced course {size['width']}", instructors=[instructor])
    lecture = LectureFactory(module=ModuleFactory(course=course), title="First steps")
    EnrollmentFactory(student=student, course=course)

    log_in_with_session(page, live_daphne, instructor)
    page.goto(f"/teach/{course.slug}/")
    page.get_by_role("link", name="Announcements").click()
    expect(page.get_by_role("heading", name="Announcements", level=1)).to_be_visible()
    page.get_by_label("Title").fill("Exam moves to Friday")
    page.get_by_label("Message").fill("Bring a **pen**.\n\n- one\n- two")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Post to students").click()
    page.get_by_text("Announcement posted.").wait_for()
    expect(page.locator("article.announcement strong")).to_have_text("pen")
    assert_no_axe_violations(page)
    assert Notification.objects.filter(
        recipient=student, kind=Notification.Kind.ANNOUNCEMENT
    ).exists()

    log_in_with_session(page, live_daphne, student)
    page.goto(f"/learn/{course.slug}/lectures/{lecture.pk}/")
    side = page.locator(".player-announcements")
    side.scroll_into_view_if_needed()  # fetched once it shows
    side.get_by_role("link", name="Exam moves to Friday").click()
    page.wait_for_url(f"**/learn/{course.slug}/announcements/#announcement-*")
    expect(page.get_by_role("heading", name="Exam moves to Friday")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"/learn/{course.slug}/lectures/{lecture.pk}/")
    side.scroll_into_view_if_needed()
    expect(side.get_by_role("link", name="All announcements")).to_be_visible()
    assert_no_axe_violations(page)
    assert page.console_errors == []


def test_an_instructor_corrects_then_deletes_an_announcement(
    page, live_daphne, instructor, student
):
    course = CourseFactory(title="Corrected course", instructors=[instructor])
    LectureFactory(module=ModuleFactory(course=course), title="First steps")
    EnrollmentFactory(student=student, course=course)
    Announcement.objects.create(
        course=course, author=instructor, title="Exam on Friday", body="Room 12."
    )

    log_in_with_session(page, live_daphne, instructor)
    page.goto(f"/teach/{course.slug}/announcements/")
    page.get_by_role("link", name="Edit Exam on Friday").click()
    expect(page.get_by_role("heading", name="Edit announcement", level=1)).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Exam on Friday")
    assert_no_axe_violations(page)
    page.get_by_label("Title").fill("Exam on Monday")
    page.get_by_role("button", name="Save announcement").click()
    page.get_by_text("Announcement updated.").wait_for()
    expect(page.get_by_role("heading", name="Exam on Monday")).to_be_visible()

    log_in_with_session(page, live_daphne, student)
    page.goto(f"/learn/{course.slug}/announcements/")
    expect(page.get_by_role("heading", name="Exam on Monday")).to_be_visible()
    expect(page.locator(".announcement-edited")).to_contain_text("Edited")

    log_in_with_session(page, live_daphne, instructor)
    page.goto(f"/teach/{course.slug}/announcements/")
    page.get_by_role("link", name="Delete Exam on Monday").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Delete").click()
    page.get_by_text("Announcement “Exam on Monday” deleted.").wait_for()
    expect(page.get_by_text("No announcements yet.")).to_be_visible()
    assert not Announcement.objects.filter(course=course).exists()
    assert page.console_errors == []

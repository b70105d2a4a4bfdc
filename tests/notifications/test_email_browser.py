"""Email settings and the unsubscribe page in Chromium: reached from the account menu, used
from the keyboard, fitting a phone, without axe violations; the unsubscribe link logged out."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from notifications import emails
from notifications.models import Delivery, Notification
from notifications.selectors import deliveries
from tests.axe import assert_no_axe_violations
from tests.browser import log_in_with_session

pytestmark = pytest.mark.browser
Kind = Notification.Kind

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_student_chooses_per_kind_from_the_account_menu(page, live_daphne, student, size):
    page.set_viewport_size(size)
    log_in_with_session(page, live_daphne, student)
    page.goto("/notifications/")
    page.get_by_role("link", name="Email settings").click()
    expect(page.get_by_role("heading", name="Email settings", level=1)).to_be_visible()
    assert fits(page)
    assert_no_axe_violations(page)
    group = page.get_by_role("group", name="Course announcement")
    expect(group.get_by_role("radio", name="By email, at once")).to_be_checked()
    # From the keyboard: the group's checked radio, then an arrow key to the next choice.
    group.get_by_role("radio", name="By email, at once").focus()
    page.keyboard.press("ArrowRight")
    expect(group.get_by_role("radio", name="In a daily digest email")).to_be_checked()
    page.get_by_role("group", name="New lecture").get_by_label("On the site only").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your email settings are saved.")).to_be_visible()
    assert_no_axe_violations(page)
    mine = deliveries(user=student)
    assert mine[Kind.ANNOUNCEMENT] == Delivery.DIGEST and mine[Kind.NEW_LECTURE] == Delivery.OFF
    assert page.console_errors == []


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_unsubscribe_link_works_logged_out(page, live_daphne, student, size):
    page.set_viewport_size(size)
    token = emails.unsubscribe_token(user_id=student.pk, kind=Kind.ENROLLED)
    page.goto(reverse("notifications:unsubscribe", args=[token]))
    expect(page.get_by_role("heading", name="Stop these emails?")).to_be_visible()
    assert fits(page)
    assert_no_axe_violations(page)
    assert deliveries(user=student)[Kind.ENROLLED] == Delivery.IMMEDIATELY
    page.get_by_role("button", name="Stop these emails").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert_no_axe_violations(page)
    assert deliveries(user=student)[Kind.ENROLLED] == Delivery.OFF
    page.goto(reverse("notifications:unsubscribe", args=[token + "x"]))
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    assert_no_axe_violations(page)

"""A visitor signs up, logs out and in again, finds a course through search and opens it."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import CourseFactory, LectureFactory, ModuleFactory

pytestmark = pytest.mark.browser

PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def rocket_course(transactional_db):
    CourseFactory(title="Gardening at Home")
    course = CourseFactory(title="Rocket Science Made Simple", subtitle="Orbits without tears")
    first = ModuleFactory(course=course, order=0, title="Getting to orbit")
    LectureFactory(module=first, order=0, title="Why rockets work", is_free_preview=True)
    LectureFactory(module=first, order=1, title="The rocket equation", body="PAID-SECRET")
    second = ModuleFactory(course=course, order=1, title="Staying up there")
    LectureFactory(module=second, order=0, title="Orbital mechanics")
    return course


def test_sign_up_log_in_search_and_open_a_course(page, rocket_course):
    # Sign up through the real form; `next` brings the new student back to the catalog.
    page.goto("/accounts/signup/?next=/courses/")
    signup = page.locator("form[action='/accounts/signup/']")
    signup.locator("#id_name").fill("New Learner")
    signup.locator("#id_email").fill("new.learner@example.com")
    signup.locator("#id_password1").fill(PASSWORD)
    signup.locator("#id_password2").fill(PASSWORD)
    signup.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/courses/$"))
    # The account menu (a <details>, no script needed) holds the logout button.
    page.locator(".user-menu > summary").click()
    page.locator(".user-menu").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.goto("/accounts/login/?next=/courses/")
    login = page.locator("form[action='/accounts/login/']")
    login.locator("#id_login").fill("new.learner@example.com")
    login.locator("#id_password").fill(PASSWORD)
    login.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/courses/$"))
    expect(page.locator(".user-menu > summary")).to_contain_text("New Learner")

    page.get_by_label("Search").fill("rocket")
    page.get_by_role("button", name="Show courses").click()
    expect(page).to_have_url(re.compile(r"q=rocket"))
    expect(page.get_by_text("1 course found")).to_be_visible()
    expect(page.get_by_role("link", name="Gardening at Home")).to_have_count(0)
    page.get_by_role("link", name="Rocket Science Made Simple").click()

    expect(page).to_have_url(re.compile(r"/courses/rocket-science-made-simple/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rocket Science Made Simple")
    outline = page.locator("section", has=page.get_by_role("heading", name="Course content"))
    expect(outline.get_by_role("heading", level=3)).to_have_text(
        ["Getting to orbit", "Staying up there"]
    )
    expect(outline.get_by_role("listitem")).to_have_count(3)
    expect(outline.get_by_role("link", name="Why rockets work")).to_be_visible()
    expect(outline.get_by_text("Free preview")).to_be_visible()
    expect(page.get_by_role("button", name="Enroll for free")).to_be_visible()
    assert "PAID-SECRET" not in page.content()

    assert page.console_errors == []

"""A student buys a paid course through the development checkout, as `make run` shows it."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from payments.models import Order
from progress.models import Enrollment
from tests.browser import daphne_server, login
from tests.factories import PASSWORD, StudentFactory, course_with_lectures

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dev_server(django_db_setup, django_db_blocker):
    """A daphne server configured like `make run`: DEBUG on, no Stripe keys.

    The shared live server runs with the test settings (DEBUG off), where the development
    checkout is rightly unavailable; settings are copied into the server when it forks.
    """
    with (
        django_db_blocker.unblock(),
        daphne_server(DEBUG=True, DEV_CHECKOUT_ENABLED=True, STRIPE_SECRET_KEY="") as url,
    ):
        yield url


@pytest.fixture
def dev_page(browser, dev_server, transactional_db):
    context = browser.new_context(base_url=dev_server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_student_buys_a_course_and_lands_in_it(dev_page):
    page = dev_page
    student = StudentFactory(email="student@demo.example", name="Demo Student")
    course = course_with_lectures(
        title="Python for Data Analysis", price=Decimal("29.00"), currency="usd", modules=1
    )

    login(page, student.email, PASSWORD)
    page.goto(course.get_absolute_url())
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.get_by_role("button", name="Buy for 29.00 USD").click()

    expect(page).to_have_url(re.compile(r"/payments/dev-checkout/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment — no real money")
    expect(page.get_by_text("29.00 USD")).to_be_visible()
    assert console_errors == []  # e.g. nothing blocked by the Content Security Policy
    page.get_by_role("button", name="Pay (test)").click()

    page.wait_for_url(re.compile(rf"/learn/{course.slug}/"))
    enrollment = Enrollment.objects.get(student=student, course=course)
    assert (enrollment.status, enrollment.source) == ("active", "paid")
    assert Order.objects.get(student=student, course=course).status == "paid"
    # Landed in the player of the first lecture, whose content is now theirs.
    first_lecture = course.modules.get(order=0).lectures.get(order=0)
    expect(page.get_by_text(first_lecture.body)).to_be_visible()
    page.goto(course.get_absolute_url())
    expect(page.get_by_role("link", name="Continue learning")).to_be_visible()
    assert console_errors == []

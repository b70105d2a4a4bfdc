"""An admin refunds a test-checkout purchase on a DEBUG demo site, without Stripe keys.

The student keeps a page open while the admin refunds in another browser: the notification
arrives live, access ends, and My purchases says so. Nothing is faked: the refund goes
through the admin's confirmation page and the same charge.refunded lifecycle as Stripe's.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from payments.models import Order
from progress.models import Enrollment
from tests.browser import daphne_server, login
from tests.factories import PASSWORD, AdminFactory, StudentFactory, course_with_lectures

pytestmark = pytest.mark.browser

BELL = "[data-notification-bell]"
ORDERS = "/payments/orders/"
CHANGELIST = "/admin/payments/order/"


@pytest.fixture(scope="module")
def dev_server(django_db_setup, django_db_blocker):
    """A daphne server configured like `make run`: DEBUG on, no Stripe keys (see
    test_purchase_journey.py for why it is a server of its own)."""
    with (
        django_db_blocker.unblock(),
        daphne_server(DEBUG=True, DEV_CHECKOUT_ENABLED=True, STRIPE_SECRET_KEY="") as url,
    ):
        yield url


@pytest.fixture
def new_page(browser, dev_server, transactional_db):
    """Pages of the dev server, each in a browser context (cookies, session) of its own."""
    contexts = []

    def make():
        context = browser.new_context(base_url=dev_server)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.console_errors = []

        def on_console(msg):
            # Django's admin pages name no icon, so Chromium asks for /favicon.ico (a 404).
            if msg.type == "error" and not msg.location["url"].endswith("/favicon.ico"):
                page.console_errors.append(msg.text)

        page.on("console", on_console)
        return page

    yield make
    for context in contexts:
        context.close()


def paid_course(title):
    return course_with_lectures(title=title, price=Decimal("29.00"), currency="usd", modules=1)


def buy_with_test_checkout(page, student, course) -> Order:
    """Log in and buy `course` through the labelled test checkout; ends in the player."""
    login(page, student.email, PASSWORD)
    page.goto(course.get_absolute_url())
    page.get_by_role("button", name="Buy for 29.00 USD").click()
    expect(page).to_have_url(re.compile(r"/payments/dev-checkout/\d+/$"))
    page.get_by_role("button", name="Pay (test)").click()
    page.wait_for_url(re.compile(rf"/learn/{course.slug}/"))
    order = Order.objects.get(student=student, course=course)
    assert order.status == "paid" and order.paid_with_test_checkout
    assert order.enrollment.is_active
    return order


def admin_login(page, admin) -> None:
    """Log in as the admin does: /admin/ sends them to the site's login, then back."""
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    login = page.locator("form[action^='/accounts/login/']")
    login.locator("#id_login").fill(admin.email)
    login.locator("#id_password").fill(PASSWORD)
    login.locator("button[type=submit]").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def choose_refund_action(page, order) -> None:
    """On the orders changelist, tick `order` and run "Refund selected orders…"."""
    page.goto(CHANGELIST)
    page.locator(f'input[name="_selected_action"][value="{order.pk}"]').check()
    page.locator('select[name="action"]').select_option(label="Refund selected orders…")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refund these orders?")


def test_admin_refunds_a_test_purchase_and_the_student_loses_access_live(new_page):
    course = paid_course("Python for Data Analysis")
    student = StudentFactory(email="student@demo.example", name="Demo Student")
    admin = AdminFactory(email="admin@demo.example")
    assert admin.is_superuser
    student_page = new_page()
    order = buy_with_test_checkout(student_page, student, course)
    lecture_url = student_page.url
    first_lecture = course.modules.get(order=0).lectures.get(order=0)
    expect(student_page.get_by_text(first_lecture.body)).to_be_visible()
    # The script marks the bell once the server has sent the count on a fresh socket.
    student_page.locator(f"{BELL}[data-live=connected]").wait_for()
    # Gone if the page were reloaded: the notification must arrive on this very page.
    student_page.evaluate("window.__stillTheSamePage = true")

    admin_page = new_page()
    admin_login(admin_page, admin)
    choose_refund_action(admin_page, order)
    expect(admin_page).to_have_title(re.compile(r"^Refund these orders\?"))
    row = admin_page.locator(f'#refund-preview tr[data-order="{order.pk}"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"#{order.pk}")
    expect(row).to_contain_text("(test payment: no money moves)")
    expect(row).to_contain_text(student.email)
    expect(row).to_contain_text("Python for Data Analysis")
    cells = row.locator("td")
    expect(cells.nth(4)).to_have_text("29.00 USD")  # amount paid
    expect(cells.nth(5)).to_have_text("29.00 USD")  # amount to refund
    expect(row).to_contain_text("Access to the course ends")
    # Nothing happens before the admin says yes.
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert Enrollment.objects.get(pk=order.enrollment_id).is_active

    admin_page.get_by_role("button", name="Yes, refund").click()

    expect(admin_page).to_have_url(re.compile(rf"{CHANGELIST}$"))
    expect(admin_page.locator(".messagelist .success")).to_contain_text("1 refund accepted")

    # The student's open page hears of it live, without a reload.
    title = "Your payment for Python for Data Analysis was refunded"
    toast = student_page.locator("[data-toasts] .toast")
    expect(toast).to_contain_text(title)
    expect(toast).to_contain_text("Your access to the course has ended.")
    expect(toast.get_by_role("link", name="Open")).to_have_attribute("href", ORDERS)
    unread = Notification.objects.filter(recipient=student, read_at__isnull=True).count()
    expect(student_page.locator("[data-unread-count]")).to_have_text(str(unread))
    assert student_page.evaluate("window.__stillTheSamePage") is True
    assert student_page.url == lecture_url

    order.refresh_from_db()
    assert order.status == "refunded"
    assert order.refunded_amount == Decimal("29.00")
    assert order.refunded_at is not None
    enrollment = Enrollment.objects.get(pk=order.enrollment_id)
    assert not enrollment.is_active
    assert enrollment.status == "revoked"
    assert Notification.objects.filter(
        recipient=student, kind=Notification.Kind.REFUNDED, title=title
    ).exists()

    # Reloading the lecture no longer opens it: back to the course page, to buy again.
    student_page.reload()
    expect(student_page).to_have_url(re.compile(rf"{re.escape(course.get_absolute_url())}$"))
    expect(student_page.get_by_text("Enroll in this course to open that lecture.")).to_be_visible()
    expect(student_page.get_by_text(first_lecture.body)).to_have_count(0)
    expect(student_page.get_by_role("button", name="Buy for 29.00 USD")).to_be_visible()
    expect(student_page.get_by_role("link", name="Continue learning")).to_have_count(0)

    student_page.goto(ORDERS)
    purchase = student_page.locator(f'tr[data-order="{order.pk}"]')
    expect(purchase).to_contain_text("Python for Data Analysis")
    expect(purchase).to_contain_text("Refunded")
    expect(purchase).to_contain_text("29.00 USD refunded")

    assert student_page.console_errors == []
    assert admin_page.console_errors == []


def test_taking_the_refund_back_changes_nothing(new_page):
    course = paid_course("SQL for Analysts")
    student = StudentFactory()
    admin = AdminFactory()
    order = buy_with_test_checkout(new_page(), student, course)
    admin_page = new_page()
    admin_login(admin_page, admin)
    choose_refund_action(admin_page, order)
    expect(admin_page.locator(f'#refund-preview tr[data-order="{order.pk}"]')).to_have_count(1)

    admin_page.get_by_role("link", name="No, take me back").click()

    expect(admin_page).to_have_url(re.compile(rf"{CHANGELIST}$"))
    expect(admin_page.locator(".messagelist")).to_have_count(0)
    order.refresh_from_db()
    assert order.status == "paid"
    assert order.refunded_at is None
    assert Enrollment.objects.get(pk=order.enrollment_id).is_active
    assert not Notification.objects.filter(
        recipient=student, kind=Notification.Kind.REFUNDED
    ).exists()
    assert admin_page.console_errors == []

"""POST /courses/<slug>/enroll/: free enrollment, or a Stripe Checkout Session for paid courses."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from notifications.models import Notification
from payments.models import Order
from payments.services import checkout_start
from progress.models import Enrollment
from tests.factories import CourseFactory, EnrollmentFactory, StudentFactory
from tests.payments.helpers import start_checkout

pytestmark = pytest.mark.django_db


def enroll_url(course):
    return reverse("course-enroll", kwargs={"slug": course.slug})


def session_creations(fake):
    return [r for r in fake.requests if r.path == "/v1/checkout/sessions" and r.method == "POST"]


def test_free_course_enrolls_at_once(client, student, fake_stripe):
    course = CourseFactory(price=Decimal("0.00"))
    client.force_login(student)

    response = client.post(enroll_url(course), follow=True)

    assert response.redirect_chain[0] == (f"/learn/{course.slug}/", 303)
    enrollment = Enrollment.objects.get(student=student, course=course)
    assert (enrollment.status, enrollment.source) == ("active", "free")
    assert Notification.objects.filter(recipient=student, kind="enrolled").count() == 1
    assert not Order.objects.exists()
    assert fake_stripe.requests == []


def test_anonymous_student_is_sent_to_log_in(client, paid_course):
    response = client.post(enroll_url(paid_course))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Order.objects.exists()


def test_enroll_only_accepts_post(client, student, paid_course):
    client.force_login(student)
    assert client.get(enroll_url(paid_course)).status_code == 405


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_unpublished_course_is_not_found(client, student, fake_stripe, status):
    course = CourseFactory(price=Decimal("10.00"), status=status)
    client.force_login(student)

    assert client.post(enroll_url(course)).status_code == 404
    assert not Order.objects.exists()
    assert not Enrollment.objects.exists()


def test_paid_checkout_uses_the_server_price_whatever_the_client_posts(
    client, student, paid_course, fake_stripe
):
    client.force_login(student)

    response = client.post(
        enroll_url(paid_course), {"amount": "1", "price": "0.01", "currency": "jpy"}
    )

    order = Order.objects.get()
    assert (order.student, order.course, order.status) == (student, paid_course, "pending")
    assert (order.amount, order.currency) == (Decimal("49.00"), "usd")
    assert response.status_code == 303
    assert response["Location"] == order.stripe_checkout_url
    session = fake_stripe.sessions[order.stripe_session_id]
    assert session["url"] == order.stripe_checkout_url
    assert (session["amount_total"], session["currency"]) == (4900, "usd")
    assert session["client_reference_id"] == str(order.pk)
    assert session["customer_email"] == student.email
    assert session["metadata"]["order_id"] == str(order.pk)
    assert session["success_url"] == (
        "https://edu.example/payments/success/?session_id={CHECKOUT_SESSION_ID}"
    )
    assert session["cancel_url"] == f"https://edu.example/payments/cancel/?order={order.pk}"
    (request,) = session_creations(fake_stripe)
    assert request.params["mode"] == "payment"
    assert request.params["line_items"][0]["price_data"]["product_data"]["name"] == (
        "Django in Depth"
    )
    assert request.idempotency_key == f"order-{order.pk}-checkout"
    assert not Enrollment.objects.exists()


def test_zero_decimal_currency_is_sent_in_whole_units(client, student, fake_stripe):
    course = CourseFactory(price=Decimal("1500.00"), currency="jpy")
    start_checkout(client, student, course)

    (session,) = fake_stripe.sessions.values()
    assert (session["amount_total"], session["currency"]) == (1500, "jpy")


def test_double_click_makes_one_order_and_one_session(client, student, paid_course, fake_stripe):
    client.force_login(student)

    first = client.post(enroll_url(paid_course))
    second = client.post(enroll_url(paid_course))

    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"] == Order.objects.get().stripe_checkout_url
    assert len(session_creations(fake_stripe)) == 1


def test_an_old_pending_order_is_not_reused(client, student, paid_course, fake_stripe):
    old = start_checkout(client, student, paid_course)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))

    response = client.post(enroll_url(paid_course))

    new = Order.objects.exclude(pk=old.pk).get()
    assert response["Location"] == new.stripe_checkout_url != old.stripe_checkout_url


@pytest.mark.parametrize(
    ("price", "currency"), [(Decimal("59.00"), "usd"), (Decimal("49.00"), "eur")]
)
def test_a_price_change_between_two_clicks_makes_a_new_order_at_the_new_price(
    client, student, paid_course, fake_stripe, price, currency
):
    old = start_checkout(client, student, paid_course)
    Course.objects.filter(pk=paid_course.pk).update(price=price, currency=currency)

    response = client.post(enroll_url(paid_course))

    new = Order.objects.exclude(pk=old.pk).get()
    assert (new.amount, new.currency) == (price, currency)
    assert response["Location"] == new.stripe_checkout_url != old.stripe_checkout_url
    line = session_creations(fake_stripe)[-1].params["line_items"][0]["price_data"]
    assert (int(line["unit_amount"]), line["currency"]) == (int(price * 100), currency)


def test_each_student_gets_their_own_order(client, paid_course, fake_stripe):
    start_checkout(client, StudentFactory(), paid_course)
    start_checkout(client, StudentFactory(), paid_course)

    assert Order.objects.count() == 2
    assert len(fake_stripe.sessions) == 2


def test_buying_a_course_already_owned_creates_nothing(client, student, paid_course, fake_stripe):
    EnrollmentFactory(student=student, course=paid_course, source="paid")
    client.force_login(student)

    response = client.post(enroll_url(paid_course), follow=True)

    assert response.redirect_chain[0] == (paid_course.get_absolute_url(), 303)
    assert "You are already enrolled in this course." in response.content.decode()
    assert not Order.objects.exists()
    assert fake_stripe.requests == []


@pytest.mark.parametrize("outage", ["down", "rate_limited"])
def test_stripe_down_fails_the_order_with_a_message(
    client, student, paid_course, fake_stripe, outage
):
    if outage == "down":
        fake_stripe.down = True
    else:
        fake_stripe.fail_next(status=429)
    client.force_login(student)

    response = client.post(enroll_url(paid_course), follow=True)

    assert response.redirect_chain[0] == (paid_course.get_absolute_url(), 303)
    assert "We could not start the payment" in response.content.decode()
    order = Order.objects.get()
    assert order.status == "failed"
    assert order.failure_reason
    assert order.stripe_session_id is None
    assert not Enrollment.objects.exists()


def test_after_an_outage_the_next_click_starts_a_fresh_order(
    client, student, paid_course, fake_stripe
):
    fake_stripe.down = True
    client.force_login(student)
    client.post(enroll_url(paid_course))
    fake_stripe.down = False

    response = client.post(enroll_url(paid_course))

    assert response.status_code == 303
    assert Order.objects.filter(status="failed").count() == 1
    assert Order.objects.get(status="pending").stripe_checkout_url == response["Location"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises whole write transactions, so concurrent requests never overlap",
)
def test_concurrent_clicks_make_one_order(fake_stripe):
    student = StudentFactory()
    course = CourseFactory(price=Decimal("49.00"))
    barrier = threading.Barrier(5)
    locations = []

    def click():
        browser = Client()
        browser.force_login(student)
        barrier.wait()
        try:
            locations.append(browser.post(enroll_url(course))["Location"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    order = Order.objects.get()
    assert locations == [order.stripe_checkout_url] * 5
    assert len(fake_stripe.sessions) == 1


def test_a_course_unpublished_after_its_page_was_read_starts_no_checkout(
    client, student, paid_course, fake_stripe
):
    stale = Course.objects.get(pk=paid_course.pk)  # what the enroll view read
    Course.objects.filter(pk=paid_course.pk).update(status=Course.Status.ARCHIVED)

    with pytest.raises(ValidationError):
        checkout_start(student=student, course=stale)
    assert not Order.objects.exists()
    assert session_creations(fake_stripe) == []

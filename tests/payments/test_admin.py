"""Admins see orders and Stripe events read-only, and can ask Stripe for refunds."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from notifications.models import Notification
from payments.models import Order, StripeEvent
from progress.models import Enrollment
from tests.factories import CourseFactory, StudentFactory
from tests.fakes.stripe_server import build_event
from tests.payments.helpers import post_event, start_checkout

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:payments_order_changelist")


@pytest.fixture
def paid_order(client, student, paid_course, fake_stripe):
    order = start_checkout(client, student, paid_course)
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    order.refresh_from_db()
    assert order.status == "paid"
    return order


def refund(client, admin_user, *orders, confirm=True):
    """Choose the refund action for `orders`, then (with `confirm`) say yes on its page."""
    client.force_login(admin_user)
    selected = {"action": "refund", "_selected_action": [o.pk for o in orders]}
    response = client.post(CHANGELIST, selected)
    if not confirm:
        return response
    assert response.status_code == 200, response
    assert "Refund these orders?" in response.content.decode()
    return client.post(CHANGELIST, {**selected, "confirm": "yes"}, follow=True)


def refund_requests(fake):
    return [r for r in fake.requests if r.path == "/v1/refunds"]


def test_refund_action_asks_stripe_and_the_webhook_revokes_access(
    client, admin_user, paid_order, fake_stripe, student
):
    response = refund(client, admin_user, paid_order)

    (request,) = refund_requests(fake_stripe)
    assert request.params["payment_intent"] == paid_order.stripe_payment_intent_id
    assert request.idempotency_key == f"order-{paid_order.pk}-refund"
    assert "1 refund accepted" in response.content.decode()
    # Access ends when Stripe's charge.refunded event arrives, not before.
    assert Enrollment.objects.get(student=student).is_active
    charge = fake_stripe.payment_intents[paid_order.stripe_payment_intent_id]["latest_charge"]
    post_event(client, build_event("charge.refunded", fake_stripe.charges[charge]))
    paid_order.refresh_from_db()
    assert paid_order.status == "refunded"
    assert not Enrollment.objects.get(student=student).is_active


def test_refund_action_refuses_orders_that_were_not_paid(
    client, admin_user, paid_course, fake_stripe
):
    pending = start_checkout(client, StudentFactory(), paid_course)

    response = refund(client, admin_user, pending)

    assert refund_requests(fake_stripe) == []
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(
        f"Order #{pending.pk} is Pending: there is no payment to refund" in m for m in messages
    )


def test_refund_action_reports_stripe_errors(client, admin_user, paid_order, fake_stripe):
    fake_stripe.down = True

    response = refund(client, admin_user, paid_order)

    assert f"Stripe did not refund order #{paid_order.pk}" in response.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.status == "paid"


def test_orders_and_events_are_read_only(client, admin_user, paid_order):
    client.force_login(admin_user)
    event = StripeEvent.objects.get()

    assert client.get(CHANGELIST, {"q": paid_order.student.email}).status_code == 200
    assert client.get(CHANGELIST, {"status__exact": "paid"}).status_code == 200
    assert client.get(reverse("admin:payments_stripeevent_changelist")).status_code == 200
    assert client.get(reverse("admin:payments_order_add")).status_code == 403
    assert client.get(reverse("admin:payments_stripeevent_add")).status_code == 403
    detail = client.get(reverse("admin:payments_order_change", args=[paid_order.pk]))
    assert detail.status_code == 200
    assert b'type="submit" value="Save"' not in detail.content
    delete_url = reverse("admin:payments_stripeevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    change_url = reverse("admin:payments_order_change", args=[paid_order.pk])
    client.post(change_url, {"status": "refunded"})
    assert Order.objects.get(pk=paid_order.pk).status == "paid"


def test_students_cannot_use_the_admin(client, student):
    client.force_login(student)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_refund_asks_for_confirmation_first_and_moves_no_money_before(
    client, admin_user, paid_order, fake_stripe, student
):
    response = refund(client, admin_user, paid_order, confirm=False)

    assert refund_requests(fake_stripe) == []
    page = response.content.decode()
    row = page[page.index(f'data-order="{paid_order.pk}"') :]
    row = row[: row.index("</tr>")]
    assert student.email in row
    assert "Django in Depth" in row
    assert "49.00 USD" in row  # paid, and to refund
    assert row.count("49.00 USD") == 2
    assert "Access to the course ends" in row
    assert "test payment" not in row
    paid_order.refresh_from_db()
    assert paid_order.status == "paid"


def test_refund_confirmation_says_when_another_paid_order_keeps_access(
    client, admin_user, paid_order, fake_stripe, student, paid_course
):
    second = Order.objects.create(
        student=student,
        course=paid_course,
        amount=paid_course.price,
        currency="usd",
        status=Order.Status.PAID,
        enrollment=paid_order.enrollment,
    )
    response = refund(client, admin_user, paid_order, confirm=False)

    page = response.content.decode()
    row = page[page.index(f'data-order="{paid_order.pk}"') :]
    assert "another paid order keeps it" in row[: row.index("</tr>")]
    assert second.pk != paid_order.pk


def test_refund_confirmation_shows_the_amount_to_refund_in_the_currency_paid(
    client, admin_user, paid_course, fake_stripe, student
):
    """A payment flagged for its currency is refunded, and shown, in the currency paid."""
    order = start_checkout(client, student, paid_course)
    in_euros = fake_stripe.session_completed_event(order.stripe_session_id)
    in_euros["data"]["object"].update(currency="eur", amount_total=4500)
    post_event(client, in_euros)
    order.refresh_from_db()
    assert (order.status, order.paid_currency) == ("needs_review", "eur")

    response = refund(client, admin_user, order, confirm=False)

    page = response.content.decode()
    row = page[page.index(f'data-order="{order.pk}"') :]
    row = row[: row.index("</tr>")]
    assert row.count("45.00 EUR") == 2  # paid, and to refund
    assert "USD" not in row


def test_only_superusers_may_refund(client, paid_order, fake_stripe):
    staff = StudentFactory(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename="view_order"))
    client.force_login(staff)

    response = client.post(
        CHANGELIST,
        {"action": "refund", "_selected_action": [paid_order.pk], "confirm": "yes"},
        follow=True,
    )

    assert refund_requests(fake_stripe) == []
    assert "Refund these orders?" not in response.content.decode()
    assert Order.objects.get(pk=paid_order.pk).status == "paid"


def test_accepting_a_flagged_payment_enrolls_the_student(
    client, admin_user, paid_course, fake_stripe, student
):
    order = start_checkout(client, student, paid_course)
    overpaid = fake_stripe.session_completed_event(order.stripe_session_id)
    overpaid["data"]["object"]["amount_total"] = 9900
    post_event(client, overpaid)
    order.refresh_from_db()
    assert order.status == "needs_review"
    assert not Enrollment.objects.filter(student=student).exists()
    client.force_login(admin_user)

    client.post(CHANGELIST, {"action": "accept_review", "_selected_action": [order.pk]})

    order.refresh_from_db()
    assert order.status == "paid"
    assert order.enrollment.is_active
    assert order.enrollment.student == student


def test_accepting_review_leaves_orders_that_need_none_alone(client, admin_user, paid_order):
    client.force_login(admin_user)

    response = client.post(
        CHANGELIST, {"action": "accept_review", "_selected_action": [paid_order.pk]}, follow=True
    )

    assert "0 orders accepted" in response.content.decode()
    assert Order.objects.get(pk=paid_order.pk).status == "paid"


def test_accepting_a_payment_for_a_closed_course_is_reported_and_the_others_are_accepted(
    client, admin_user, paid_course, fake_stripe, student
):
    """A flagged payment for a course that closed is named in an error; the rest are accepted."""
    # Listed newest first: the other order, older, is accepted after the closed course's.
    other_course = CourseFactory(title="Flask Basics", price=Decimal("49.00"), currency="usd")
    other = start_checkout(client, StudentFactory(), other_course)
    overpaid = fake_stripe.session_completed_event(other.stripe_session_id)
    overpaid["data"]["object"]["amount_total"] = 9900
    post_event(client, overpaid)
    order = start_checkout(client, student, paid_course)
    paid_course.status = "archived"
    paid_course.save()
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    order.refresh_from_db()
    other.refresh_from_db()
    assert (order.status, other.status) == ("needs_review", "needs_review")
    assert "no longer open" in order.failure_reason
    client.force_login(admin_user)
    client.raise_request_exception = False

    response = client.post(
        CHANGELIST,
        {"action": "accept_review", "_selected_action": [order.pk, other.pk]},
        follow=True,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Order #{order.pk} was not accepted: This course is not open for enrollment." in html
    assert "1 order accepted" in html
    order.refresh_from_db()
    assert order.status == "needs_review"
    assert not Enrollment.objects.filter(student=student).exists()
    assert Order.objects.get(pk=other.pk).status == "paid"


@pytest.fixture
def test_paid_order(client, student, paid_course, settings):
    """An order paid through the labelled test checkout of a DEBUG site without Stripe keys."""
    settings.DEBUG, settings.DEV_CHECKOUT_ENABLED, settings.STRIPE_SECRET_KEY = True, True, ""
    order = start_checkout(client, student, paid_course)
    client.post(reverse("payments:dev-checkout", args=[order.pk]))
    order.refresh_from_db()
    assert (order.status, order.paid_with_test_checkout) == ("paid", True)
    return order


def test_a_test_payment_is_refunded_through_the_same_event_as_a_stripe_refund(
    client, admin_user, test_paid_order, student
):
    page = refund(client, admin_user, test_paid_order, confirm=False).content.decode()
    assert "(test payment: no money moves)" in page

    response = refund(client, admin_user, test_paid_order)

    assert "1 refund accepted" in response.content.decode()
    test_paid_order.refresh_from_db()
    assert test_paid_order.status == "refunded"
    assert test_paid_order.refunded_amount == Decimal("49.00")
    assert not Enrollment.objects.get(student=student).is_active
    refunded = Notification.objects.get(recipient=student, kind="refunded")
    assert refunded.body == "Your access to the course has ended."
    event = StripeEvent.objects.get(type="charge.refunded")
    assert (event.livemode, event.outcome, event.order) == (False, "applied", test_paid_order)


def test_a_test_refund_is_refused_once_the_site_leaves_debug(
    client, admin_user, test_paid_order, student, settings
):
    settings.DEBUG = False

    response = refund(client, admin_user, test_paid_order)

    assert "paid through the test checkout, which is off" in response.content.decode()
    assert Order.objects.get(pk=test_paid_order.pk).status == "paid"
    assert Enrollment.objects.get(student=student).is_active
    assert not StripeEvent.objects.exists()


def test_a_stripe_payment_is_never_refunded_as_a_test(
    client, admin_user, paid_order, fake_stripe, settings
):
    settings.DEBUG, settings.DEV_CHECKOUT_ENABLED = True, True

    refund(client, admin_user, paid_order)

    assert len(refund_requests(fake_stripe)) == 1
    assert not StripeEvent.objects.filter(type="charge.refunded").exists()

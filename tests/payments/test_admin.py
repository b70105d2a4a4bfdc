"""Admins see orders and Stripe events read-only, and can ask Stripe for refunds."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from payments.models import Order, StripeEvent
from progress.models import Enrollment
from tests.factories import StudentFactory
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


def refund(client, admin_user, *orders):
    client.force_login(admin_user)
    return client.post(
        CHANGELIST,
        {"action": "refund", "_selected_action": [o.pk for o in orders]},
        follow=True,
    )


def refund_requests(fake):
    return [r for r in fake.requests if r.path == "/v1/refunds"]


def test_refund_action_asks_stripe_and_the_webhook_revokes_access(
    client, admin_user, paid_order, fake_stripe, student
):
    response = refund(client, admin_user, paid_order)

    (request,) = refund_requests(fake_stripe)
    assert request.params["payment_intent"] == paid_order.stripe_payment_intent_id
    assert request.idempotency_key == f"order-{paid_order.pk}-refund"
    assert "Stripe accepted 1 refund" in response.content.decode()
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
    assert any(f"Order #{pending.pk} has no Stripe payment to refund" in m for m in messages)


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

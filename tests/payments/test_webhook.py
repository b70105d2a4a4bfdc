"""POST /payments/stripe/webhook/: signed events from Stripe, each acted on exactly once."""

import json
import threading
import time
from decimal import Decimal

import pytest
import stripe
from django.db import connection, connections
from django.test import Client

from notifications.models import Notification
from payments.models import Order, StripeEvent
from progress.models import Enrollment
from tests.factories import CourseFactory, EnrollmentFactory, StudentFactory
from tests.fakes.stripe_server import build_event, signed_webhook
from tests.payments.helpers import (
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    post_event,
    start_checkout,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(client, student, paid_course, fake_stripe):
    return start_checkout(client, student, paid_course)


def charge_of(fake, order):
    order.refresh_from_db()
    return fake.payment_intents[order.stripe_payment_intent_id]["latest_charge"]


def nothing_written():
    return not StripeEvent.objects.exists() and not Enrollment.objects.exists()


def test_completed_session_is_fulfilled(client, order, fake_stripe, student):
    event = fake_stripe.session_completed_event(order.stripe_session_id)

    response = post_event(client, event)

    assert response.status_code == 200
    order.refresh_from_db()
    session = fake_stripe.sessions[order.stripe_session_id]
    assert order.status == "paid"
    assert order.stripe_payment_intent_id == session["payment_intent"]
    assert (order.paid_amount, order.paid_currency) == (Decimal("49.00"), "usd")
    assert order.customer_email == student.email
    assert order.paid_at is not None
    enrollment = Enrollment.objects.get(student=student, course=order.course)
    assert (enrollment.status, enrollment.source) == ("active", "paid")
    assert order.enrollment == enrollment
    assert Notification.objects.filter(recipient=student, kind="enrolled").count() == 1
    stored = StripeEvent.objects.get()
    assert (stored.id, stored.type) == (event["id"], "checkout.session.completed")
    assert stored.processed_at is not None


# -- signature ---------------------------------------------------------------------------


def test_missing_signature_is_refused(client, order, fake_stripe):
    event = fake_stripe.session_completed_event(order.stripe_session_id)

    response = client.post(WEBHOOK_URL, data=json.dumps(event), content_type="application/json")

    assert response.status_code == 400
    assert nothing_written()


def test_signature_with_another_secret_is_refused(client, order, fake_stripe):
    event = fake_stripe.session_completed_event(order.stripe_session_id)

    assert post_event(client, event, secret="whsec_attacker").status_code == 400
    assert nothing_written()


def test_garbage_signature_is_refused(client, order, fake_stripe):
    event = fake_stripe.session_completed_event(order.stripe_session_id)
    body, _header = signed_webhook(event, WEBHOOK_SECRET)

    response = client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=oops"
    )

    assert response.status_code == 400
    assert nothing_written()


def test_stale_signature_is_refused(client, order, fake_stripe):
    event = fake_stripe.session_completed_event(order.stripe_session_id)

    response = post_event(client, event, timestamp=int(time.time()) - 600)

    assert response.status_code == 400
    assert nothing_written()


def test_tampered_body_is_refused(client, order, fake_stripe):
    event = fake_stripe.session_completed_event(order.stripe_session_id)
    body, header = signed_webhook(event, WEBHOOK_SECRET)
    tampered = body.replace(b'"amount_total": 4900', b'"amount_total": 1')
    assert tampered != body

    response = client.post(
        WEBHOOK_URL, data=tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert response.status_code == 400
    assert nothing_written()


def test_no_webhook_secret_configured_refuses_everything(client, order, fake_stripe, settings):
    event = fake_stripe.session_completed_event(order.stripe_session_id)
    body, header = signed_webhook(event, "")
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert response.status_code == 400
    assert nothing_written()


def test_signed_body_that_is_not_an_event_is_refused(client, fake_stripe):
    for body in ("not json", "[1, 2]", json.dumps({"id": "evt_1", "object": "event"})):
        header = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
        response = client.post(
            WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        assert response.status_code == 400, body
    # Signed, so Stripe's: kept for an admin, once per body, and nothing acted on.
    assert StripeEvent.objects.filter(outcome="malformed", type="malformed").count() == 3


def test_webhook_only_accepts_post(client):
    assert client.get(WEBHOOK_URL).status_code == 405


def test_webhook_needs_no_csrf_token(order, fake_stripe):
    csrf_client = Client(enforce_csrf_checks=True)
    event = fake_stripe.session_completed_event(order.stripe_session_id)

    assert post_event(csrf_client, event).status_code == 200


# -- exactly once ------------------------------------------------------------------------


def test_repeated_delivery_has_no_effect(client, order, fake_stripe, student):
    event = fake_stripe.session_completed_event(order.stripe_session_id)
    assert post_event(client, event).status_code == 200
    order.refresh_from_db()
    paid_at = order.paid_at

    assert post_event(client, event).status_code == 200

    order.refresh_from_db()
    assert order.paid_at == paid_at
    assert StripeEvent.objects.count() == 1
    assert Enrollment.objects.count() == 1
    assert Notification.objects.filter(recipient=student, kind="enrolled").count() == 1


def test_two_events_for_one_session_fulfil_once(client, order, fake_stripe, student):
    first = fake_stripe.session_completed_event(order.stripe_session_id)
    second = build_event("checkout.session.completed", first["data"]["object"])

    assert post_event(client, first).status_code == 200
    assert post_event(client, second).status_code == 200

    assert StripeEvent.objects.count() == 2
    assert Enrollment.objects.count() == 1
    assert Notification.objects.filter(recipient=student, kind="enrolled").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises whole write transactions, so deliveries never overlap",
)
def test_same_event_delivered_20_times_concurrently_enrolls_once(fake_stripe):
    student = StudentFactory()
    order = start_checkout(Client(), student, CourseFactory(price=Decimal("49.00")))
    body, header = signed_webhook(
        fake_stripe.session_completed_event(order.stripe_session_id), WEBHOOK_SECRET
    )
    barrier = threading.Barrier(20)
    statuses = []

    def deliver():
        barrier.wait()
        try:
            response = Client().post(
                WEBHOOK_URL,
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 20
    assert StripeEvent.objects.count() == 1
    assert Enrollment.objects.filter(student=student).count() == 1
    assert Notification.objects.filter(recipient=student, kind="enrolled").count() == 1
    order.refresh_from_db()
    assert order.status == "paid"


def test_a_signed_event_with_a_non_numeric_amount_is_recorded_as_malformed(
    client, order, fake_stripe
):
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    event = fake_stripe.charge_refunded_event(charge_of(fake_stripe, order))
    broken = json.loads(json.dumps(event))
    broken["data"]["object"]["amount_refunded"] = "not a number"

    response = post_event(client, broken)

    assert (response.status_code, response.content) == (400, b"malformed")
    assert StripeEvent.objects.get(id=event["id"]).outcome == "malformed"
    order.refresh_from_db()
    assert order.status == "paid"
    assert Enrollment.objects.get().is_active
    # Stripe's next delivery of it is a duplicate: it is not acted on twice either.
    assert post_event(client, broken).content == b"duplicate"


def _signed_post(client, body: str):
    header = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    return client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def _event_body(**changes) -> str:
    event = {"id": "evt_x", "object": "event", "type": "charge.refunded", "data": {"object": {}}}
    return json.dumps({**event, **changes})


@pytest.mark.parametrize(
    "body",
    [
        _event_body(id="evt_\u0000"),
        _event_body(data={"object": {"description": "a\u0000b"}}),
        _event_body(id="evt_\ud800"),
        _event_body(data={"object": {"description": "a\udfffb"}}),
        _event_body(id="evt_" + "x" * 300),
        _event_body(type="charge." + "x" * 200),
        _event_body(id=""),
        '{"id": "evt_deep", "type": "charge.refunded", "data": {"object": '
        + "[" * 100_000
        + "]" * 100_000
        + "}}",
    ],
    ids=[
        "nul-in-id",
        "nul-in-object",
        "lone-surrogate-in-id",
        "lone-surrogate-in-object",
        "long-id",
        "long-type",
        "empty-id",
        "deep-json",
    ],
)
def test_a_signed_but_malformed_body_is_a_400_recorded_once(client, order, body):
    first = _signed_post(client, body)
    again = _signed_post(client, body)

    assert (first.status_code, again.status_code) == (400, 400)
    assert StripeEvent.objects.get().outcome == "malformed"
    order.refresh_from_db()
    assert order.status == "pending"


# -- event types -------------------------------------------------------------------------


def test_amount_mismatch_flags_the_order_and_gives_no_access(client, order, fake_stripe):
    event = fake_stripe.session_completed_event(order.stripe_session_id)
    event["data"]["object"]["amount_total"] = 100

    assert post_event(client, event).status_code == 200

    order.refresh_from_db()
    assert order.status == "needs_review"
    assert "100" in order.failure_reason
    assert order.paid_amount == Decimal("1.00")
    assert not Enrollment.objects.exists()


def test_currency_mismatch_flags_the_order(client, order, fake_stripe):
    event = fake_stripe.session_completed_event(order.stripe_session_id)
    event["data"]["object"]["currency"] = "eur"

    post_event(client, event)

    order.refresh_from_db()
    assert order.status == "needs_review"
    assert "EUR" in order.failure_reason
    assert not Enrollment.objects.exists()


def test_session_of_another_order_gives_no_access(client, order, fake_stripe, paid_course):
    other = start_checkout(client, StudentFactory(), paid_course)
    event = fake_stripe.session_completed_event(other.stripe_session_id)
    # Pointing the other order's payment at ours must not unlock our order.
    event["data"]["object"]["client_reference_id"] = str(order.pk)

    post_event(client, event)

    order.refresh_from_db()
    assert order.status == "needs_review"
    assert not Enrollment.objects.exists()


def test_unknown_event_type_is_recorded_and_ignored(client, fake_stripe):
    event = build_event("customer.created", {"id": "cus_123", "object": "customer"})

    assert post_event(client, event).status_code == 200

    assert StripeEvent.objects.get().type == "customer.created"


def test_event_for_an_unknown_order_is_recorded_and_ignored(client, order, fake_stripe):
    event = fake_stripe.session_completed_event(order.stripe_session_id)
    event["data"]["object"]["client_reference_id"] = "999999"

    assert post_event(client, event).status_code == 200

    assert StripeEvent.objects.count() == 1
    order.refresh_from_db()
    assert order.status == "pending"


def test_delayed_payment_success(client, order, fake_stripe, student):
    fake_stripe.complete_session(order.stripe_session_id, async_pending=True)
    pending = build_event(
        "checkout.session.completed", fake_stripe.sessions[order.stripe_session_id]
    )

    post_event(client, pending)

    order.refresh_from_db()
    assert order.status == "pending"
    assert not Enrollment.objects.exists()

    post_event(client, fake_stripe.async_payment_succeeded_event(order.stripe_session_id))

    order.refresh_from_db()
    assert order.status == "paid"
    assert Enrollment.objects.get(student=student).is_active


def test_delayed_payment_failure(client, order, fake_stripe, student):
    fake_stripe.complete_session(order.stripe_session_id, async_pending=True)
    post_event(
        client,
        build_event("checkout.session.completed", fake_stripe.sessions[order.stripe_session_id]),
    )

    post_event(client, fake_stripe.async_payment_failed_event(order.stripe_session_id))

    order.refresh_from_db()
    assert order.status == "failed"
    assert order.failure_reason
    assert not Enrollment.objects.exists()
    failed = Notification.objects.get(recipient=student, kind="payment_failed")
    assert order.course.title in failed.title


def test_expired_session_expires_the_order(client, order, fake_stripe):
    post_event(client, fake_stripe.session_expired_event(order.stripe_session_id))

    order.refresh_from_db()
    assert order.status == "expired"
    assert not Enrollment.objects.exists()


def test_full_refund_revokes_access(client, order, fake_stripe, student):
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))

    response = post_event(client, fake_stripe.charge_refunded_event(charge_of(fake_stripe, order)))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "refunded"
    assert order.refunded_amount == Decimal("49.00")
    assert order.refunded_at is not None
    enrollment = Enrollment.objects.get(student=student)
    assert enrollment.status == "revoked"
    notice = Notification.objects.get(recipient=student, kind="refunded")
    assert notice.body == "Your access to the course has ended."


def test_partial_refund_keeps_access(client, order, fake_stripe, student):
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))

    post_event(client, fake_stripe.charge_refunded_event(charge_of(fake_stripe, order), amount=900))

    order.refresh_from_db()
    assert order.status == "paid"
    assert order.refunded_amount == Decimal("9.00")
    assert Enrollment.objects.get(student=student).is_active
    assert not Notification.objects.filter(kind="refunded").exists()


def test_refund_for_an_unknown_order_is_recorded_and_ignored(client, order, fake_stripe):
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    event = fake_stripe.charge_refunded_event(charge_of(fake_stripe, order))
    # A payment of another integration on the same Stripe account: no order in its metadata.
    fake_stripe.payment_intents["pi_somebody_else"] = {
        "id": "pi_somebody_else",
        "object": "payment_intent",
        "metadata": {},
    }
    event["data"]["object"]["payment_intent"] = "pi_somebody_else"

    response = post_event(client, event)

    assert response.status_code == 200
    assert response.content == b"unmatched"
    assert StripeEvent.objects.get(id=event["id"]).outcome == "unmatched"
    order.refresh_from_db()
    assert order.status == "paid"
    assert Enrollment.objects.get().is_active


def test_refund_keeps_access_bought_by_another_paid_order(client, order, fake_stripe, student):
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    enrollment = Enrollment.objects.get()
    Order.objects.create(
        student=student,
        course=order.course,
        amount=order.amount,
        currency=order.currency,
        status="paid",
        enrollment=enrollment,
    )

    post_event(client, fake_stripe.charge_refunded_event(charge_of(fake_stripe, order)))

    order.refresh_from_db()
    assert order.status == "refunded"
    assert Enrollment.objects.get().is_active
    # Told of the refund, not that the course (still paid for) is gone.
    notice = Notification.objects.get(recipient=student, kind="refunded")
    assert "access" not in notice.body


def test_paying_for_a_course_already_granted_links_the_enrollment(
    client, order, fake_stripe, student
):
    granted = EnrollmentFactory(student=student, course=order.course, source="admin")

    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))

    order.refresh_from_db()
    assert (order.status, order.enrollment) == ("paid", granted)
    assert Enrollment.objects.count() == 1

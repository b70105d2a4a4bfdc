"""The order's life (payments.lifecycle): every step of the table, every pair outside it, and
the events that arrive late, twice or out of order, through the webhook and the real SDK."""

import itertools
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from payments import lifecycle, services
from payments.lifecycle import Effect, Event
from payments.models import Order, StripeEvent
from progress.models import Enrollment
from progress.services import enrollment_create
from tests.factories import CourseFactory, EnrollmentFactory, StudentFactory
from tests.fakes.stripe_server import build_event
from tests.payments.helpers import post_event, start_checkout

pytestmark = pytest.mark.django_db

Status = Order.Status


@pytest.fixture
def order(client, student, paid_course, fake_stripe):
    return start_checkout(client, student, paid_course)


def _paid(client, fake, order) -> dict:
    """Deliver the completion of the order's session; returns the session as Stripe has it."""
    event = fake.session_completed_event(order.stripe_session_id)
    assert post_event(client, event).content == b"applied"
    order.refresh_from_db()
    assert order.status == "paid"
    return event["data"]["object"]


def _charge(fake, order) -> str:
    intent = fake.sessions[order.stripe_session_id]["payment_intent"]
    return fake.payment_intents[intent]["latest_charge"]


def _notifications(student, kind: str) -> int:
    return Notification.objects.filter(recipient=student, kind=kind).count()


# -- the table -----------------------------------------------------------------------------


def _order_in(status: str, course, *, enrolled: bool) -> Order:
    student = StudentFactory()
    enrollment = EnrollmentFactory(student=student, course=course) if enrolled else None
    return Order.objects.create(
        student=student,
        course=course,
        amount=course.price,
        currency="usd",
        status=status,
        enrollment=enrollment,
    )


def _facts_for(order: Order) -> services.Facts:
    session = {
        "id": None,
        "client_reference_id": str(order.pk),
        "payment_status": "paid",
        "amount_total": 4900,
        "currency": "usd",
        "payment_intent": "pi_table",
    }
    charge = {"amount": 4900, "amount_refunded": 4900, "currency": "usd"}
    return services.Facts(session=session, charge=charge, problem="Checked by a test.")


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("course", "student").get(pk=order.pk)


@pytest.mark.parametrize(
    ("status", "event"), list(lifecycle.TRANSITIONS), ids=lambda value: str(value)
)
def test_each_step_of_the_table_moves_the_order_and_does_what_it_says(status, event, paid_course):
    step = lifecycle.TRANSITIONS[(status, event)]
    # Access is what a refund can take away: paid orders, and flagged ones an admin enrolled.
    enrolled = status == Status.PAID or Effect.REVOKE in step.effects
    order = _order_in(status, paid_course, enrolled=enrolled)

    assert services.order_apply(order=_locked(order), event=event, facts=_facts_for(order))

    order.refresh_from_db()
    assert order.status == step.to
    enrollment = Enrollment.objects.filter(student=order.student).first()
    if Effect.ENROLL in step.effects:
        assert order.enrollment == enrollment and enrollment.is_active
        assert _notifications(order.student, "enrolled") == 1
    elif Effect.REVOKE in step.effects:
        assert not enrollment.is_active
    else:
        assert enrollment is None or enrollment.is_active
        assert _notifications(order.student, "enrolled") == 0
    assert (order.paid_at is not None) == (Effect.RECORD_PAYMENT in step.effects)
    records_intent = {Effect.RECORD_PAYMENT, Effect.RECORD_PAYMENT_ON_ITS_WAY} & set(step.effects)
    assert (order.stripe_payment_intent_id == "pi_table") == bool(records_intent)
    assert (order.refunded_amount == Decimal("49.00")) == (Effect.RECORD_REFUND in step.effects)
    assert (order.failure_reason == "Checked by a test.") == (Effect.FLAG in step.effects)
    assert _notifications(order.student, "payment_failed") == (Effect.NOTIFY_FAILED in step.effects)
    assert _notifications(order.student, "refunded") == (Effect.NOTIFY_REFUNDED in step.effects)


OUTSIDE_THE_TABLE = [
    pair for pair in itertools.product(Status.values, Event) if pair not in lifecycle.TRANSITIONS
]


@pytest.mark.parametrize(("status", "event"), OUTSIDE_THE_TABLE, ids=lambda value: str(value))
def test_an_event_the_table_has_no_step_for_changes_nothing(status, event, paid_course):
    order = _order_in(status, paid_course, enrolled=status == Status.PAID)
    before = Order.objects.values().get(pk=order.pk)

    assert not services.order_apply(order=_locked(order), event=event, facts=_facts_for(order))

    assert Order.objects.values().get(pk=order.pk) == before
    assert not Notification.objects.filter(recipient=order.student).exists()
    enrollment = Enrollment.objects.filter(student=order.student).first()
    assert enrollment is None or enrollment.is_active


def test_the_late_events_that_must_change_nothing_are_outside_the_table():
    for pair in [
        (Status.REFUNDED, Event.REFUNDED_FULL),  # a second refund
        (Status.PAID, Event.PAYMENT_FAILED),  # a late failure
        (Status.PAID, Event.PAID),  # a second completion
        (Status.PAID, Event.SESSION_EXPIRED),
        (Status.PAID, Event.CANCELLED),
        (Status.PAID, Event.PAYMENT_PROCESSING),  # a completion after the debit succeeded
        (Status.FAILED, Event.PAYMENT_PROCESSING),  # a completion after the debit failed
    ]:
        assert pair not in lifecycle.TRANSITIONS
    assert lifecycle.TRANSITIONS[(Status.REFUNDED, Event.PAID)].to == Status.REFUNDED


def test_the_docs_show_the_table_as_the_code_has_it():
    docs = (Path(django_settings.BASE_DIR) / "docs" / "payments.md").read_text()

    assert lifecycle.as_markdown() in docs


# -- out of order, late and repeated events ---------------------------------------------------


def test_a_full_refund_before_the_completion_is_recorded_and_the_completion_gives_no_access(
    client, order, fake_stripe, student
):
    session = fake_stripe.complete_session(order.stripe_session_id)  # paid, no event yet
    refund = fake_stripe.charge_refunded_event(_charge(fake_stripe, order))

    assert post_event(client, refund).content == b"applied"

    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("refunded", Decimal("49.00"))
    assert StripeEvent.objects.get(id=refund["id"]).order == order
    # Matched through the order id checkout put on the payment intent, read from Stripe.
    assert any(r.path.startswith("/v1/payment_intents/") for r in fake_stripe.requests)
    assert post_event(client, build_event("checkout.session.completed", session)).status_code == 200
    order.refresh_from_db()
    assert order.status == "refunded"
    assert order.paid_amount == Decimal("49.00")  # recorded, for the books
    assert not Enrollment.objects.filter(student=student, status="active").exists()
    assert _notifications(student, "enrolled") == 0


def test_a_refund_is_matched_by_the_order_id_on_the_charge_without_asking_stripe(
    client, order, fake_stripe
):
    fake_stripe.complete_session(order.stripe_session_id)
    charge_id = _charge(fake_stripe, order)
    fake_stripe.charges[charge_id]["metadata"] = {"order_id": str(order.pk)}
    refund = fake_stripe.charge_refunded_event(charge_id)
    fake_stripe.requests.clear()

    assert post_event(client, refund).content == b"applied"

    assert fake_stripe.requests == []
    assert Order.objects.get(pk=order.pk).status == "refunded"


def test_a_refund_naming_an_order_that_recorded_another_payment_is_unmatched(
    client, order, fake_stripe, paid_course
):
    _paid(client, fake_stripe, order)
    other = start_checkout(Client(), StudentFactory(), paid_course)
    fake_stripe.complete_session(other.stripe_session_id)
    charge_id = _charge(fake_stripe, other)
    fake_stripe.charges[charge_id]["metadata"] = {"order_id": str(order.pk)}  # wrong order

    response = post_event(client, fake_stripe.charge_refunded_event(charge_id))

    # `other` has recorded no payment yet, so only its Stripe metadata could name it: it
    # names `order`, which paid with another intent.
    assert response.content == b"unmatched"
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_a_partial_refund_before_the_completion_then_the_completion_gives_access(
    client, order, fake_stripe, student
):
    session = fake_stripe.complete_session(order.stripe_session_id)
    post_event(client, fake_stripe.charge_refunded_event(_charge(fake_stripe, order), amount=900))
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("pending", Decimal("9.00"))

    post_event(client, build_event("checkout.session.completed", session))

    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("paid", Decimal("9.00"))
    assert order.enrollment.is_active


def test_a_late_completion_after_a_refund_does_not_give_access_again(
    client, order, fake_stripe, student
):
    session = _paid(client, fake_stripe, order)
    post_event(client, fake_stripe.charge_refunded_event(_charge(fake_stripe, order)))

    late = build_event("checkout.session.async_payment_succeeded", session)
    response = post_event(client, late)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "refunded"
    assert not order.enrollment.is_active
    assert _notifications(student, "enrolled") == 1


def test_a_late_failure_after_the_payment_changes_nothing(client, order, fake_stripe, student):
    session = _paid(client, fake_stripe, order)

    response = post_event(client, build_event("checkout.session.async_payment_failed", session))

    assert response.content == b"nothing"
    order.refresh_from_db()
    assert order.status == "paid"
    assert order.enrollment.is_active
    assert _notifications(student, "payment_failed") == 0


def test_a_second_refund_event_changes_nothing_not_even_access_granted_again(
    client, order, fake_stripe, student
):
    _paid(client, fake_stripe, order)
    first = fake_stripe.charge_refunded_event(_charge(fake_stripe, order))
    post_event(client, first)
    order.refresh_from_db()
    refunded_at = order.refunded_at
    enrollment_create(student=student, course=order.course, source="manual")  # an admin

    second = build_event("charge.refunded", first["data"]["object"])
    assert post_event(client, second).content == b"nothing"

    order.refresh_from_db()
    assert (order.status, order.refunded_at) == ("refunded", refunded_at)
    assert Enrollment.objects.get(student=student).is_active
    assert _notifications(student, "refunded") == 1


def test_an_overpaid_session_is_flagged_and_gives_no_access(client, order, fake_stripe):
    event = fake_stripe.session_completed_event(order.stripe_session_id)
    event["data"]["object"]["amount_total"] = 4901

    assert post_event(client, event).content == b"applied"

    order.refresh_from_db()
    assert order.status == "needs_review"
    assert "4901" in order.failure_reason
    assert not Enrollment.objects.exists()


def test_a_payment_for_a_course_closed_since_is_flagged(client, order, fake_stripe):
    order.course.status = "archived"
    order.course.save()

    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))

    order.refresh_from_db()
    assert order.status == "needs_review"
    assert "no longer open" in order.failure_reason
    assert not Enrollment.objects.exists()


def test_a_repeated_delivery_reports_that_it_did_nothing(client, order, fake_stripe, student):
    event = fake_stripe.session_completed_event(order.stripe_session_id)

    assert services.stripe_event_process(event=event) == "applied"
    assert services.stripe_event_process(event=event) == services.DUPLICATE
    assert post_event(client, event).content == b"duplicate"

    assert StripeEvent.objects.get().outcome == "applied"
    assert _notifications(student, "enrolled") == 1


def test_each_event_records_its_outcome_and_order(client, order, fake_stripe):
    completed = fake_stripe.session_completed_event(order.stripe_session_id)
    post_event(client, completed)
    again = build_event("checkout.session.completed", completed["data"]["object"])
    post_event(client, again)
    unknown = build_event("customer.created", {"id": "cus_1", "object": "customer"})
    post_event(client, unknown)

    outcomes = {e.id: (e.outcome, e.order_id) for e in StripeEvent.objects.all()}
    assert outcomes == {
        completed["id"]: ("applied", order.pk),
        again["id"]: ("nothing", order.pk),
        unknown["id"]: ("ignored", None),
    }


def test_a_refund_cannot_be_matched_while_stripe_is_down_so_stripe_retries(
    client, order, fake_stripe
):
    fake_stripe.complete_session(order.stripe_session_id)
    refund = fake_stripe.charge_refunded_event(_charge(fake_stripe, order))
    fake_stripe.down = True

    assert post_event(client, refund).status_code == 500

    assert not StripeEvent.objects.exists()
    fake_stripe.down = False
    assert post_event(client, refund).content == b"applied"


# -- the test checkout ------------------------------------------------------------------------


@pytest.mark.parametrize(("debug", "enabled"), [(False, True), (True, False)])
def test_the_test_checkout_service_refuses_unless_debug_and_enabled(
    settings, student, paid_course, debug, enabled
):
    order = Order.objects.create(student=student, course=paid_course, amount=49, currency="usd")
    settings.DEBUG, settings.DEV_CHECKOUT_ENABLED = debug, enabled

    with pytest.raises(PermissionDenied):
        services.dev_checkout_pay(student=student, order_id=order.pk)

    order.refresh_from_db()
    assert order.status == "pending"
    assert not Enrollment.objects.exists()


# -- two fulfilment paths at once --------------------------------------------------------------


def _race(*calls) -> list[int]:
    """Run `calls` (each makes one request) at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(calls))
    answers = []

    def run(call):
        barrier.wait()
        try:
            answers.append(call().status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises whole write transactions, so the paths never overlap",
)


@pytest.mark.django_db(transaction=True)
@postgresql_only
@pytest.mark.parametrize("round_", range(4))
def test_webhook_success_page_and_a_mismatched_session_racing_end_consistent(fake_stripe, round_):
    student = StudentFactory()
    order = start_checkout(Client(), student, CourseFactory(price=Decimal("49.00")))
    completed = fake_stripe.session_completed_event(order.stripe_session_id)
    mismatched = build_event(
        "checkout.session.completed",
        {**completed["data"]["object"], "id": "cs_test_not_this_orders", "amount_total": 100},
    )
    page = Client()
    page.force_login(student)
    success_url = reverse("payments:success") + f"?session_id={order.stripe_session_id}"

    answers = _race(
        lambda: post_event(Client(), completed),
        lambda: page.get(success_url),
        lambda: post_event(Client(), mismatched),
    )

    assert answers == [200, 200, 200]
    order.refresh_from_db()
    # Whichever came first, the order's own payment pays for it, once.
    assert order.status == "paid"
    assert Enrollment.objects.filter(student=student).count() == 1
    assert order.enrollment.is_active
    assert _notifications(student, "enrolled") == 1


@pytest.mark.django_db(transaction=True)
@postgresql_only
@pytest.mark.parametrize("round_", range(6))
def test_a_completion_and_a_refund_racing_end_refunded_without_access(fake_stripe, round_):
    student = StudentFactory()
    order = start_checkout(Client(), student, CourseFactory(price=Decimal("49.00")))
    completed = fake_stripe.session_completed_event(order.stripe_session_id)
    charge_id = _charge(fake_stripe, order)
    fake_stripe.charges[charge_id]["metadata"] = {"order_id": str(order.pk)}
    refunded = fake_stripe.charge_refunded_event(charge_id)

    answers = _race(lambda: post_event(Client(), completed), lambda: post_event(Client(), refunded))

    assert answers == [200, 200]
    order.refresh_from_db()
    # Either order of the two ends the same way: refunded, and no access.
    assert order.status == "refunded"
    assert not Enrollment.objects.filter(student=student, status="active").exists()


# -- pending orders end -----------------------------------------------------------------------


def test_cancelling_a_stripe_checkout_closes_its_session_and_the_order(client, order, fake_stripe):
    response = client.post(reverse("payments:order-cancel", args=[order.pk]), follow=True)

    assert any(r.path.endswith("/expire") for r in fake_stripe.requests)
    assert fake_stripe.sessions[order.stripe_session_id]["status"] == "expired"
    order.refresh_from_db()
    assert order.status == "cancelled"
    page = response.content.decode()
    assert "Your order was cancelled" in page
    row = page[page.index(f'data-order="{order.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Cancelled" in row
    assert "Cancel order" not in row


def test_an_order_paid_meanwhile_is_not_cancelled(client, order, fake_stripe):
    fake_stripe.complete_session(order.stripe_session_id)  # Stripe refuses to expire it

    response = client.post(reverse("payments:order-cancel", args=[order.pk]), follow=True)

    assert "could not reach the payment provider" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "pending"
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    assert Order.objects.get(pk=order.pk).status == "paid"


def _debit_on_its_way(client, fake_stripe, order):
    """Checkout completed with a bank debit: Stripe says "unpaid" until the bank answers."""
    fake_stripe.complete_session(order.stripe_session_id, async_pending=True)
    session = fake_stripe.sessions[order.stripe_session_id]
    post_event(client, build_event("checkout.session.completed", session))
    fake_stripe.requests.clear()


def test_an_order_whose_bank_debit_is_on_its_way_offers_no_cancel(client, order, fake_stripe):
    _debit_on_its_way(client, fake_stripe, order)

    page = client.get(reverse("payments:orders")).content.decode()
    row = page[page.index(f'data-order="{order.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Payment processing" in row
    assert "Cancel order" not in row
    cancel_page = client.get(reverse("payments:cancel"), {"order": order.pk})
    assert "Your payment is processing" in cancel_page.content.decode()
    assert "You have not been charged" not in cancel_page.content.decode()
    assert "Cancel order" not in cancel_page.content.decode()


def test_cancelling_an_order_whose_bank_debit_is_on_its_way_says_so(client, order, fake_stripe):
    _debit_on_its_way(client, fake_stripe, order)

    response = client.post(reverse("payments:order-cancel", args=[order.pk]), follow=True)

    assert "already on its way from your bank" in response.content.decode()
    assert fake_stripe.requests == []  # no session to expire: Stripe would refuse
    assert Order.objects.get(pk=order.pk).status == "pending"
    post_event(client, fake_stripe.async_payment_succeeded_event(order.stripe_session_id))
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_buying_again_while_a_bank_debit_is_on_its_way_starts_no_second_payment(
    client, order, fake_stripe, student
):
    _debit_on_its_way(client, fake_stripe, order)

    response = client.post(reverse("course-enroll", args=[order.course.slug]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("payments:orders")
    assert "on its way from your bank" in response.content.decode()
    assert fake_stripe.requests == []  # no new Checkout Session
    assert list(Order.objects.filter(student=student).values_list("pk", flat=True)) == [order.pk]


def test_a_paid_order_has_nothing_to_cancel(client, order, fake_stripe):
    _paid(client, fake_stripe, order)
    fake_stripe.requests.clear()

    response = client.post(reverse("payments:order-cancel", args=[order.pk]), follow=True)

    assert "nothing to cancel" in response.content.decode()
    assert fake_stripe.requests == []
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_nobody_else_can_cancel_an_order(client, order, fake_stripe):
    client.force_login(StudentFactory())

    assert client.post(reverse("payments:order-cancel", args=[order.pk])).status_code == 404

    assert Order.objects.get(pk=order.pk).status == "pending"
    assert fake_stripe.requests[-1].path == "/v1/checkout/sessions"  # no expire was asked


def test_cancel_takes_a_post_from_a_logged_in_student(client, order, fake_stripe):
    url = reverse("payments:order-cancel", args=[order.pk])

    assert client.get(url).status_code == 405
    client.logout()
    assert client.post(url).status_code == 302
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_cancelling_the_test_checkout_cancels_the_order(client, student, paid_course, settings):
    settings.DEBUG, settings.DEV_CHECKOUT_ENABLED = True, True
    order = start_checkout(client, student, paid_course)
    page = client.get(reverse("payments:dev-checkout", args=[order.pk])).content.decode()
    assert reverse("payments:order-cancel", args=[order.pk]) in page

    client.post(reverse("payments:order-cancel", args=[order.pk]))

    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_pending_orders_older_than_a_checkout_session_show_as_expired(client, student, paid_course):
    stale = Order.objects.create(student=student, course=paid_course, amount=49, currency="usd")
    fresh = Order.objects.create(student=student, course=paid_course, amount=49, currency="usd")
    now = stale.created_at
    Order.objects.filter(pk=stale.pk).update(created_at=now - services.pending_order_lifetime())
    Order.objects.filter(pk=fresh.pk).update(
        created_at=now - services.pending_order_lifetime() + services.timedelta(minutes=5)
    )
    client.force_login(student)

    page = client.get(reverse("payments:orders")).content.decode()

    assert Order.objects.get(pk=stale.pk).status == "expired"
    assert Order.objects.get(pk=fresh.pk).status == "pending"
    row = page[page.index(f'data-order="{stale.pk}"') :]
    assert "Expired" in row[: row.index("</tr>")]


def test_the_clean_up_leaves_other_students_orders_for_their_own_visit(
    client, student, paid_course
):
    other = Order.objects.create(
        student=StudentFactory(), course=paid_course, amount=49, currency="usd"
    )
    Order.objects.filter(pk=other.pk).update(
        created_at=other.created_at - services.pending_order_lifetime()
    )
    client.force_login(student)

    client.get(reverse("payments:orders"))

    assert Order.objects.get(pk=other.pk).status == "pending"
    assert services.orders_expire_stale() == 1
    assert Order.objects.get(pk=other.pk).status == "expired"

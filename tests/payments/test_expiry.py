"""The hourly job that expires stale pending orders, through the order's lifecycle."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.models import JobRun
from mail.models import Email
from notifications.models import Notification
from payments import lifecycle, services
from payments.jobs import expire_stale_orders
from payments.lifecycle import Event
from payments.models import Order
from progress.models import Enrollment
from tests.factories import CourseFactory, StudentFactory
from tests.fakes.stripe_server import build_event
from tests.payments.helpers import post_event, start_checkout

pytestmark = pytest.mark.django_db

JOB = "payments.jobs.expire_stale_orders"


def _order(course, *, age: timedelta, status: str = "pending", student=None) -> Order:
    order = Order.objects.create(
        student=student or StudentFactory(),
        course=course,
        amount=course.price,
        currency="usd",
        status=status,
    )
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - age)
    return order


def _status(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def test_the_job_expires_stale_pending_orders_and_leaves_fresh_and_paid_ones(paid_course):
    stale = _order(paid_course, age=timedelta(hours=25))
    fresh = _order(paid_course, age=timedelta(hours=23))
    paid = _order(paid_course, age=timedelta(days=3), status="paid")
    cancelled = _order(paid_course, age=timedelta(days=3), status="cancelled")
    review = _order(paid_course, age=timedelta(days=3), status="needs_review")

    assert expire_stale_orders(now=timezone.now()) == 1

    assert _status(stale) == "expired"
    assert _status(fresh) == "pending"
    assert (_status(paid), _status(cancelled), _status(review)) == (
        "paid",
        "cancelled",
        "needs_review",
    )
    # Expiring takes no money, gives no access and tells nobody.
    assert not Email.objects.exists()
    assert not Enrollment.objects.exists()


def test_running_the_job_twice_changes_nothing_more(paid_course):
    stale = _order(paid_course, age=timedelta(hours=30))
    now = timezone.now()

    assert expire_stale_orders(now=now) == 1
    updated_at = Order.objects.get(pk=stale.pk).updated_at
    assert expire_stale_orders(now=now) == 0

    assert _status(stale) == "expired"
    assert Order.objects.get(pk=stale.pk).updated_at == updated_at


def test_the_lifetime_is_a_setting(paid_course, settings):
    settings.PENDING_ORDER_EXPIRY_HOURS = 2
    three_hours = _order(paid_course, age=timedelta(hours=3))
    one_hour = _order(paid_course, age=timedelta(hours=1))

    assert expire_stale_orders(now=timezone.now()) == 1

    assert (_status(three_hours), _status(one_hour)) == ("expired", "pending")


def test_staleness_is_measured_from_the_time_the_job_is_given(paid_course):
    order = _order(paid_course, age=timedelta(hours=1))

    assert expire_stale_orders(now=timezone.now()) == 0
    assert expire_stale_orders(now=timezone.now() + timedelta(hours=24)) == 1

    assert _status(order) == "expired"


def test_the_scheduler_runs_the_job_once_an_hour(paid_course):
    stale = _order(paid_course, age=timedelta(hours=25))
    before_offset = timezone.now().replace(minute=5)
    now = before_offset.replace(minute=30)  # the job runs 20 minutes into each hour

    assert jobs.run_due(now=before_offset, only={JOB}) == []
    assert jobs.run_due(now=now, only={JOB}) == [JOB]
    assert jobs.run_due(now=now, only={JOB}) == []  # this hour's run is taken

    assert _status(stale) == "expired"
    run = JobRun.objects.get(job=JOB)
    assert (run.result, run.error) == ("1", "")
    assert jobs.registered()[JOB].every == timedelta(hours=1)
    # The next hour runs again (and finds nothing left).
    assert jobs.run_due(now=now + timedelta(hours=1), only={JOB}) == [JOB]
    assert JobRun.objects.filter(job=JOB).count() == 2


def test_expiry_is_the_lifecycle_step_pending_to_expired_and_only_that():
    # The job only sends session_expired; the table decides what it does to each status.
    steps = {
        status: step.to
        for (status, event), step in lifecycle.TRANSITIONS.items()
        if event == Event.SESSION_EXPIRED
    }
    assert steps == {Order.Status.PENDING: Order.Status.EXPIRED}
    assert lifecycle.TRANSITIONS[(Order.Status.PENDING, Event.SESSION_EXPIRED)].effects == ()


def test_an_order_paid_before_the_job_locks_it_stays_paid(paid_course, student, committed):
    order = _order(paid_course, age=timedelta(hours=30), student=student)
    session = {
        "id": None,
        "client_reference_id": str(order.pk),
        "payment_status": "paid",
        "amount_total": 4900,
        "currency": "usd",
        "payment_intent": "pi_late",
    }
    with committed():
        services.order_fulfil(order_id=order.pk, session=session)

    assert expire_stale_orders(now=timezone.now()) == 0

    assert _status(order) == "paid"
    assert Enrollment.objects.get(student=student).is_active


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises whole write transactions: the sequential test above covers it",
)
def test_an_order_being_paid_while_the_job_runs_is_not_expired(fake_stripe):
    student = StudentFactory()
    order = start_checkout(Client(), student, CourseFactory(price=Decimal("49.00")))
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=30))
    event = fake_stripe.session_completed_event(order.stripe_session_id)
    session = event["data"]["object"]
    locked, release = threading.Event(), threading.Event()

    def pay():
        # The payment holds the order's lock, uncommitted, while the job lists the order as
        # pending (it still is, for every other transaction) and then waits for the lock.
        try:
            with transaction.atomic():
                services.order_fulfil(order_id=order.pk, session=session)
                locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    payer = threading.Thread(target=pay)
    payer.start()
    assert locked.wait(timeout=10)
    expired = []
    job = threading.Thread(
        target=lambda: (
            expired.append(expire_stale_orders(now=timezone.now())),
            connections.close_all(),
        )
    )
    job.start()
    job.join(timeout=1)
    assert job.is_alive()  # waiting for the payment's lock
    release.set()
    payer.join()
    job.join()

    assert expired == [0]
    assert _status(order) == "paid"
    assert Enrollment.objects.get(student=student).is_active
    # Stripe's own word arriving afterwards changes nothing either.
    assert post_event(Client(), event).content == b"nothing"


def test_a_payment_for_an_expired_order_is_still_taken_with_its_receipt(
    client, student, paid_course, fake_stripe, smtp_server, committed
):
    order = start_checkout(client, student, paid_course)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=30))
    assert expire_stale_orders(now=timezone.now()) == 1

    with committed():
        event = fake_stripe.session_completed_event(order.stripe_session_id)
        assert post_event(client, event).content == b"applied"

    assert _status(order) == "paid"
    (message,) = smtp_server.wait_for(1)
    assert message["X-Edusphere-Email"] == f"receipt:order:{order.pk}"


def _complete_with_a_bank_debit(client, fake_stripe, order: Order) -> None:
    """The student completes the checkout with a delayed method: Stripe says "unpaid"."""
    fake_stripe.complete_session(order.stripe_session_id, async_pending=True)
    session = fake_stripe.sessions[order.stripe_session_id]
    assert post_event(client, build_event("checkout.session.completed", session)).status_code == 200


def test_a_delayed_payment_still_processing_is_not_expired(
    client, student, paid_course, fake_stripe
):
    """A bank debit still processing a day after checkout leaves its order pending."""
    order = start_checkout(client, student, paid_course)
    _complete_with_a_bank_debit(client, fake_stripe, order)
    order.refresh_from_db()
    assert order.status == "pending"  # waiting for the bank
    assert (
        order.stripe_payment_intent_id
        == (fake_stripe.sessions[order.stripe_session_id]["payment_intent"])
    )

    # The hourly job runs a day later: the completed session no longer expires at Stripe,
    # and its money may still arrive or fail.
    assert services.orders_expire_stale(now=timezone.now() + timedelta(hours=25)) == 0

    assert _status(order) == "pending"


def test_the_job_leaves_an_order_whose_payment_is_in_flight(paid_course):
    """A stale pending order with a payment under way at Stripe is not expired."""
    in_flight = _order(paid_course, age=timedelta(hours=30))
    Order.objects.filter(pk=in_flight.pk).update(stripe_payment_intent_id="pi_processing")
    abandoned = _order(paid_course, age=timedelta(hours=30))

    assert expire_stale_orders(now=timezone.now()) == 1

    assert (_status(in_flight), _status(abandoned)) == ("pending", "expired")


def test_a_payment_on_its_way_for_longer_than_any_bank_takes_expires(paid_course):
    """An order whose debit's outcome never reached the site (its events lost) expires in the
    end, so that its student may buy the course again."""
    in_flight = services.PAYMENT_IN_FLIGHT_LIFETIME
    lost = _order(paid_course, age=in_flight + timedelta(days=2))
    waiting = _order(paid_course, age=in_flight + timedelta(days=2))
    Order.objects.filter(pk__in=[lost.pk, waiting.pk]).update(stripe_payment_intent_id="pi_1")
    # Recorded on its way when the debit began, a day after the checkout; the other, lately.
    Order.objects.filter(pk=lost.pk).update(
        updated_at=timezone.now() - in_flight - timedelta(days=1)
    )
    Order.objects.filter(pk=waiting.pk).update(
        updated_at=timezone.now() - in_flight + timedelta(days=1)
    )

    assert expire_stale_orders(now=timezone.now()) == 1

    assert (_status(lost), _status(waiting)) == ("expired", "pending")


def test_a_delayed_payment_that_fails_after_its_order_expired_is_told(
    client, student, paid_course, fake_stripe
):
    """A bank debit that fails after its order went stale tells the student it failed."""
    order = start_checkout(client, student, paid_course)
    # Checkout completed at Stripe, but the job ran before its event arrived.
    fake_stripe.complete_session(order.stripe_session_id, async_pending=True)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=30))
    assert expire_stale_orders(now=timezone.now()) == 1

    event = fake_stripe.async_payment_failed_event(order.stripe_session_id)
    assert post_event(client, event).content == b"applied"

    order.refresh_from_db()
    assert order.status == "failed"
    assert order.failure_reason
    assert Notification.objects.filter(recipient=student, kind="payment_failed").exists()
    assert not Enrollment.objects.filter(student=student).exists()


def test_a_delayed_payment_that_succeeds_after_its_order_expired_is_taken(
    client, student, paid_course, fake_stripe
):
    """A bank debit that succeeds after its order went stale enrolls the student."""
    order = start_checkout(client, student, paid_course)
    fake_stripe.complete_session(order.stripe_session_id, async_pending=True)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=30))
    assert expire_stale_orders(now=timezone.now()) == 1

    event = fake_stripe.async_payment_succeeded_event(order.stripe_session_id)
    assert post_event(client, event).content == b"applied"

    assert _status(order) == "paid"
    assert Enrollment.objects.get(student=student).is_active


def test_a_bank_debit_completed_after_its_order_expired_shows_as_processing(
    client, student, paid_course, fake_stripe
):
    """A bank debit whose completion arrives after the job expired its order shows as
    processing again, cannot be cancelled, and is not expired again while the bank answers."""
    order = start_checkout(client, student, paid_course)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=30))
    assert expire_stale_orders(now=timezone.now()) == 1

    _complete_with_a_bank_debit(client, fake_stripe, order)

    order.refresh_from_db()
    assert order.status == "pending"
    assert order.payment_in_flight
    page = client.get(reverse("payments:orders")).content.decode()
    row = page[page.index(f'data-order="{order.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Payment processing" in row
    assert "Expired" not in row
    assert "Cancel order" not in row
    assert expire_stale_orders(now=timezone.now() + timedelta(hours=2)) == 0
    assert _status(order) == "pending"
    event = fake_stripe.async_payment_succeeded_event(order.stripe_session_id)
    assert post_event(client, event).content == b"applied"
    assert _status(order) == "paid"


def test_my_purchases_shows_an_order_the_job_expired(client, student, paid_course):
    order = _order(paid_course, age=timedelta(hours=25), student=student)
    expire_stale_orders(now=timezone.now())
    client.force_login(student)

    page = client.get(reverse("payments:orders")).content.decode()

    row = page[page.index(f'data-order="{order.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Expired" in row
    assert "Cancel order" not in row


@pytest.mark.parametrize("hours", [0, -5])
def test_a_lifetime_under_an_hour_is_refused_by_a_system_check(settings, hours):
    settings.PENDING_ORDER_EXPIRY_HOURS = hours

    errors = [e for e in run_checks() if e.id == "payments.E002"]

    assert len(errors) == 1


def test_the_default_lifetime_passes_the_check(settings):
    settings.PENDING_ORDER_EXPIRY_HOURS = 24

    assert not [e for e in run_checks() if e.id == "payments.E002"]

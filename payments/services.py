"""Writes of the payments app: starting a checkout, fulfilment, Stripe events, refunds."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import stripe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course
from notifications.models import Notification
from notifications.services import notify
from payments import emails, lifecycle
from payments.emails import RefundAccess
from payments.lifecycle import Effect, Event
from payments.models import PAYMENT_IN_FLIGHT, Order, StripeEvent
from payments.selectors import enrollments_kept_by_other_orders
from payments.stripe_gateway import from_minor_units, stripe_client, to_dict, to_minor_units
from progress.models import Enrollment
from progress.selectors import active_enrollment
from progress.services import enrollment_create, enrollment_revoke

logger = logging.getLogger(__name__)

# A second "Buy" within this window goes back to the same order and Checkout Session
# (Stripe keeps a session open for 24 hours, so it is still usable).
REUSE_PENDING_ORDER_FOR = timedelta(hours=1)
REFUNDABLE = (Order.Status.PAID, Order.Status.NEEDS_REVIEW)


def dev_checkout_active() -> bool:
    """The labelled test checkout replaces Stripe only on a DEBUG server."""
    return bool(settings.DEBUG and settings.DEV_CHECKOUT_ENABLED)


class CheckoutOutcome(StrEnum):
    ALREADY_ENROLLED = "already_enrolled"
    ENROLLED_FREE = "enrolled_free"
    REDIRECT = "redirect"
    FAILED = "failed"
    PAYMENT_PROCESSING = "payment_processing"  # a bank debit for the course is on its way


@dataclass(frozen=True)
class CheckoutResult:
    outcome: CheckoutOutcome
    redirect_url: str
    order: Order | None = None


def checkout_start(*, student, course: Course) -> CheckoutResult:
    """Enroll in a free course, or make (or reuse) an order and its Stripe Checkout Session.

    The price and currency come from the course row; nothing from the client is used.
    """
    course_url = course.get_absolute_url()
    with transaction.atomic():
        # One enroll request per student at a time, so a double click cannot make two
        # orders. (SQLite serialises write transactions anyway.)
        get_user_model().objects.select_for_update().filter(pk=student.pk).first()
        course = Course.objects.get(pk=course.pk)  # its status and price as they are now
        if course.status != Course.Status.PUBLISHED:
            # Checked here, not only at fulfilment: by then the student would have paid.
            raise ValidationError(_("This course is not open for enrollment."))
        if active_enrollment(user=student, course=course):
            return CheckoutResult(CheckoutOutcome.ALREADY_ENROLLED, course_url)
        if course.is_free:
            enrollment_create(student=student, course=course, source=Enrollment.Source.FREE)
            return CheckoutResult(CheckoutOutcome.ENROLLED_FREE, course.get_learn_url())
        if _payment_in_flight(student=student, course=course):
            # Its completed session cannot be paid again, and a new one would charge twice.
            return CheckoutResult(CheckoutOutcome.PAYMENT_PROCESSING, reverse("payments:orders"))
        order = _reusable_order(student=student, course=course) or Order.objects.create(
            student=student, course=course, amount=course.price, currency=course.currency.lower()
        )

    if dev_checkout_active():
        url = reverse("payments:dev-checkout", kwargs={"order_id": order.pk})
        return CheckoutResult(CheckoutOutcome.REDIRECT, url, order)
    if order.stripe_checkout_url:
        return CheckoutResult(CheckoutOutcome.REDIRECT, order.stripe_checkout_url, order)
    try:
        session = _checkout_session_create(order=order, student=student, course=course)
    except (stripe.StripeError, ValueError) as exc:
        logger.warning("Checkout for order %s failed: %r", order.pk, exc)
        _checkout_failed(order_id=order.pk, reason=f"{type(exc).__name__}: {exc}")
        return CheckoutResult(CheckoutOutcome.FAILED, course_url, order)
    Order.objects.filter(pk=order.pk).update(
        stripe_session_id=session["id"],
        stripe_checkout_url=session["url"],
        updated_at=timezone.now(),
    )
    return CheckoutResult(CheckoutOutcome.REDIRECT, session["url"], order)


@transaction.atomic
def _checkout_failed(*, order_id: int, reason: str) -> None:
    order = _locked_order(order_id)
    # Only an order that never got a session fails; a concurrent click may have made one.
    if order.stripe_session_id is None:
        order.failure_reason = reason[:255]
        order_apply(order=order, event=Event.CHECKOUT_FAILED)


def _payment_in_flight(*, student, course: Course) -> bool:
    return Order.objects.filter(PAYMENT_IN_FLIGHT, student=student, course=course).exists()


def _reusable_order(*, student, course: Course) -> Order | None:
    return (
        Order.objects.filter(
            student=student,
            course=course,
            status=Order.Status.PENDING,
            amount=course.price,
            currency=course.currency.lower(),
            created_at__gte=timezone.now() - REUSE_PENDING_ORDER_FOR,
        )
        .order_by("-created_at")
        .first()
    )


def _checkout_session_create(*, order: Order, student, course: Course) -> dict:
    site = settings.SITE_URL
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": order.currency,
                    "unit_amount": to_minor_units(order.amount, order.currency),
                    "product_data": {"name": course.title[:250]},
                },
            }
        ],
        "client_reference_id": str(order.pk),
        "metadata": {
            "order_id": str(order.pk),
            "course_id": str(course.pk),
            "student_id": str(student.pk),
        },
        "payment_intent_data": {"metadata": {"order_id": str(order.pk)}},
        "customer_email": student.email,
        # Stripe fills in {CHECKOUT_SESSION_ID} when it redirects the student back.
        "success_url": f"{site}{reverse('payments:success')}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{site}{reverse('payments:cancel')}?order={order.pk}",
    }
    # The same key on a repeated click returns the same session instead of a second one.
    session = stripe_client().v1.checkout.sessions.create(
        params=params, options={"idempotency_key": f"order-{order.pk}-checkout"}
    )
    return to_dict(session)


def _payment_intent_id(obj: dict) -> str:
    intent = obj.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    return intent or ""


def _payment_mismatch(order: Order, session: dict) -> str:
    """Why Stripe's session does not pay for this order ("" when it does)."""
    if order.stripe_session_id and session.get("id") != order.stripe_session_id:
        return f"Session {session.get('id')} is not the order's session."
    if str(session.get("client_reference_id")) != str(order.pk):
        return f"Session refers to order {session.get('client_reference_id')}."
    currency = str(session.get("currency") or "").lower()
    if currency != order.currency.lower():
        return f"Paid in {currency.upper() or '?'}, order is in {order.currency.upper()}."
    expected = to_minor_units(order.amount, order.currency)
    if session.get("amount_total") != expected:
        return f"Paid {session.get('amount_total')} minor units, order expects {expected}."
    if order.course.status != Course.Status.PUBLISHED:
        return "The course is no longer open for enrollment."
    return ""


# --- The order's life: every status change goes through order_apply (see lifecycle). -------


@dataclass(frozen=True)
class Facts:
    """What an event says, for the effects of its step."""

    session: dict | None = None  # a paid Checkout Session (RECORD_PAYMENT)
    charge: dict | None = None  # a refunded charge (RECORD_REFUND)
    problem: str = ""  # why the payment needs an admin (FLAG)
    test_checkout: bool = False  # paid through the labelled test checkout


def _locked_order(order_id: int) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("course", "student")
        .get(pk=order_id)
    )


@dataclass
class _Move:
    """One step under way: what its effects read and tell each other."""

    order: Order
    facts: Facts
    access_ended: bool = False
    access_kept_by_other_order: bool = False
    refunded_before: Decimal | None = None  # the order's refunded total before this event


def order_apply(*, order: Order, event: Event, facts: Facts = Facts()) -> bool:
    """Move a locked order (see `_locked_order`) as the lifecycle table says.

    False when the table has nothing for its status and this event: nothing changes.
    """
    step = lifecycle.step(order.status, event)
    if step is None:
        logger.info("Order %s (%s): %s changes nothing", order.pk, order.status, event)
        return False
    was, order.status = order.status, step.to
    move = _Move(order, facts)
    for effect in step.effects:
        _EFFECTS[effect](move)
    order.save()
    logger.info("Order %s: %s --%s--> %s", order.pk, was, event, order.status)
    return True


def _order_event(order_id: int, event: Event, facts: Facts = Facts()) -> tuple[Order, bool]:
    """Apply `event` to the order, locked for the time it takes."""
    with transaction.atomic():
        order = _locked_order(order_id)
        return order, order_apply(order=order, event=event, facts=facts)


def _record_payment(move: _Move) -> None:
    order, session = move.order, move.facts.session or {}
    amount_total, currency = session.get("amount_total"), str(session.get("currency") or "")
    order.stripe_payment_intent_id = _payment_intent_id(session)
    order.paid_amount = (
        from_minor_units(amount_total, currency) if isinstance(amount_total, int) else None
    )
    order.paid_currency = currency.lower()[:3]
    order.customer_email = (
        (session.get("customer_details") or {}).get("email") or session.get("customer_email") or ""
    )[:254]
    order.paid_at = timezone.now()
    order.paid_with_test_checkout = move.facts.test_checkout


def _record_payment_on_its_way(move: _Move) -> None:
    # A completed session no longer expires at Stripe, so an order with its payment intent
    # is not stale (orders_expire_stale): its status waits for Stripe's word on the money.
    intent_id = _payment_intent_id(move.facts.session or {})
    move.order.stripe_payment_intent_id = intent_id[:255]


def _record_refund(move: _Move) -> None:
    order, charge = move.order, move.facts.charge or {}
    currency = str(charge.get("currency") or order.currency)
    move.refunded_before = order.refunded_amount
    refunded = from_minor_units(int(charge.get("amount_refunded") or 0), currency)
    # Stripe's total only grows: a smaller one is an older event arriving late.
    order.refunded_amount = max(refunded, order.refunded_amount or Decimal(0))
    if order.status == Order.Status.REFUNDED:
        order.refunded_at = timezone.now()


def _enroll(move: _Move) -> None:
    # The course was checked to be open (_payment_mismatch) under the lock of this order.
    order = move.order
    order.enrollment, _created = enrollment_create(
        student=order.student,
        course=order.course,
        source=Enrollment.Source.PAID,
        notify_email=False,  # the receipt (EMAIL_RECEIPT) is the email of this enrollment
    )
    order.failure_reason = ""


def _revoke(move: _Move) -> None:
    order = move.order
    if not order.enrollment_id:
        return
    # Another paid order for the same enrollment (an admin granted it again, and it was
    # bought again) keeps the course open: the rule the admin's refund preview shows.
    if enrollments_kept_by_other_orders(
        enrollment_ids=[order.enrollment_id], refunded_order_ids=[order.pk]
    ):
        move.access_kept_by_other_order = True
    else:
        enrollment_revoke(enrollment=order.enrollment)
        move.access_ended = True


def _flag(move: _Move) -> None:
    logger.error("Order %s needs review: %s", move.order.pk, move.facts.problem)
    move.order.failure_reason = move.facts.problem[:255]


def _notify_failed(move: _Move) -> None:
    order = move.order
    order.failure_reason = "The delayed payment failed."
    notify(
        recipient=order.student,
        kind=Notification.Kind.PAYMENT_FAILED,
        title=_("Your payment for %(course)s did not go through") % {"course": order.course},
        body=_("You have not been enrolled. You can try again from the course page."),
        link=order.course.get_absolute_url(),
    )


def _notify_refunded(move: _Move) -> None:
    order = move.order
    notify(
        recipient=order.student,
        kind=Notification.Kind.REFUNDED,
        title=_("Your payment for %(course)s was refunded") % {"course": order.course},
        body=_("Your access to the course has ended.") if move.access_ended else "",
        link=reverse("payments:orders"),
        email=False,  # the refund email (EMAIL_REFUND) tells it, always
    )


def _email_receipt(move: _Move) -> None:
    emails.receipt_queue(order=move.order)


def _email_refund(move: _Move) -> None:
    order, charge = move.order, move.facts.charge or {}
    refunded_now = (order.refunded_amount or 0) - (move.refunded_before or 0)
    if refunded_now <= 0:
        return  # a late or repeated word on a refund the student was told of
    emails.refund_queue(
        order=order,
        refunded_now=refunded_now,
        currency=str(charge.get("currency") or order.paid_currency or order.currency),
        access=_refund_access(move),
    )


def _refund_access(move: _Move) -> RefundAccess:
    """What the refund did to access, as its REVOKE step (if any) decided."""
    order = move.order
    if move.access_ended:
        return RefundAccess.ENDED
    if move.access_kept_by_other_order:
        return RefundAccess.KEPT_BY_OTHER_ORDER
    if order.status == Order.Status.PAID and order.enrollment_id and order.enrollment.is_active:
        return RefundAccess.KEPT  # a partial refund of a paid order
    return RefundAccess.UNCHANGED


_EFFECTS = {
    Effect.RECORD_PAYMENT: _record_payment,
    Effect.RECORD_PAYMENT_ON_ITS_WAY: _record_payment_on_its_way,
    Effect.RECORD_REFUND: _record_refund,
    Effect.ENROLL: _enroll,
    Effect.REVOKE: _revoke,
    Effect.FLAG: _flag,
    Effect.NOTIFY_FAILED: _notify_failed,
    Effect.NOTIFY_REFUNDED: _notify_refunded,
    Effect.EMAIL_RECEIPT: _email_receipt,
    Effect.EMAIL_REFUND: _email_refund,
}


def order_fulfil(*, order_id: int, session: dict, test_checkout: bool = False) -> Order:
    """Give access for a paid Checkout Session, exactly once, whoever calls first.

    Used by the webhook, the success page and the test checkout. A payment that does not
    match the order is recorded and flagged for an admin instead of giving access. The row
    lock makes the paths that race (webhook, success page) take turns.
    """
    return _fulfil(order_id, session, test_checkout)[0]


@transaction.atomic
def _fulfil(order_id: int, session: dict, test_checkout: bool = False) -> tuple[Order, bool]:
    order = _locked_order(order_id)
    if session.get("payment_status") != "paid":
        # Completed but "unpaid" means a delayed method (bank debit): async_payment_succeeded
        # brings the same session again once it is paid.
        if not _payment_on_its_way(order, session):
            return order, False
        facts = Facts(session=session)
        return order, order_apply(order=order, event=Event.PAYMENT_PROCESSING, facts=facts)
    problem = _payment_mismatch(order, session)
    facts = Facts(session=session, problem=problem, test_checkout=test_checkout)
    event = Event.PAID_MISMATCHED if problem else Event.PAID
    return order, order_apply(order=order, event=event, facts=facts)


def _payment_on_its_way(order: Order, session: dict) -> bool:
    """The order's own session was completed and its payment is on its way (days, for a bank
    debit), not yet recorded: the lifecycle's payment_processing."""
    return bool(
        session.get("status") == "complete"
        and session.get("id") == order.stripe_session_id
        and _payment_intent_id(session)
        and not order.stripe_payment_intent_id
    )


def order_review_accept(*, order_id: int) -> bool:
    """An admin found a flagged payment right: the student gets the course."""
    return _order_event(order_id, Event.REVIEW_ACCEPTED)[1]


def pending_order_lifetime() -> timedelta:
    """How long an order may stay pending (PENDING_ORDER_EXPIRY_HOURS; by default the 24
    hours Stripe keeps a Checkout Session open, after which it can no longer be paid)."""
    return timedelta(hours=settings.PENDING_ORDER_EXPIRY_HOURS)


# Longer than a delayed payment (a bank debit) takes at Stripe (SEPA Direct Debit: up to
# 14 business days). An order still on its way after that has missed Stripe's word on it
# (its events lost): it expires, so that its student may buy again, and a late success or
# failure still applies (expired --paid--> paid, expired --payment_failed--> failed).
PAYMENT_IN_FLIGHT_LIFETIME = timedelta(days=30)


def orders_expire_stale(*, student=None, now: datetime | None = None) -> int:
    """End the pending orders older than `pending_order_lifetime()`. Returns how many.

    Each goes through the lifecycle under its row lock, one at a time: an order paid since
    it was listed is paid now, and the table has nothing for (paid, session_expired). A
    payment that still arrives for an expired order is taken (expired --paid--> paid).
    An order whose session was completed with a delayed method (its payment intent is
    recorded) is left pending, for PAYMENT_IN_FLIGHT_LIFETIME after it was recorded (its
    last change): Stripe's word on that payment will end it.
    """
    now = now or timezone.now()
    stale = Order.objects.filter(status=Order.Status.PENDING).filter(
        (~PAYMENT_IN_FLIGHT & Q(created_at__lt=now - pending_order_lifetime()))
        | (PAYMENT_IN_FLIGHT & Q(updated_at__lt=now - PAYMENT_IN_FLIGHT_LIFETIME))
    )
    if student is not None:
        stale = stale.filter(student=student)
    return sum(
        _order_event(order_id, Event.SESSION_EXPIRED)[1]
        for order_id in stale.order_by("pk").values_list("pk", flat=True)
    )


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"
    NOT_PENDING = "not_pending"  # paid, expired or cancelled already: nothing to cancel
    IN_FLIGHT = "in_flight"  # a delayed payment (bank debit) is on its way: Stripe ends it
    UNAVAILABLE = "unavailable"  # Stripe could not be asked: the session may still be paid


def order_cancel(*, student, order_id: int) -> CancelOutcome:
    """The student gives up an order: its Stripe session is closed first, so it cannot be
    paid after the order ends (a session that was paid meanwhile stays paid)."""
    order = Order.objects.get(pk=order_id, student=student)
    if order.status != Order.Status.PENDING:
        return CancelOutcome.NOT_PENDING
    if order.payment_in_flight:
        # Stripe cannot expire a completed session; the debit succeeds or fails on its own.
        return CancelOutcome.IN_FLIGHT
    if order.stripe_session_id:
        try:
            stripe_client().v1.checkout.sessions.expire(order.stripe_session_id)
        except stripe.StripeError as exc:
            # Already completed (the webhook will say so), or Stripe is unreachable.
            logger.warning("Could not expire session of order %s: %r", order.pk, exc)
            return CancelOutcome.UNAVAILABLE
    cancelled = _order_event(order_id, Event.CANCELLED)[1]
    return CancelOutcome.CANCELLED if cancelled else CancelOutcome.NOT_PENDING


# --- Stripe's events ----------------------------------------------------------------------


def _known_order_id(value) -> int | None:
    try:
        order_id = int(value)
    except (TypeError, ValueError):
        return None
    return order_id if Order.objects.filter(pk=order_id).exists() else None


def _session_order_id(session: dict) -> int | None:
    return _known_order_id(session.get("client_reference_id"))


def _metadata_order_id(obj: dict) -> str | None:
    metadata = obj.get("metadata")
    return metadata.get("order_id") if isinstance(metadata, dict) else None


def _refund_order_id(charge: dict) -> int | None:
    """The order a refunded charge paid for, or None.

    By the payment intent the completion recorded; else by the order id checkout put in the
    intent's metadata (on the charge, or read from Stripe), so a refund that arrives before
    the completion event still finds its order. An order that recorded another intent is
    not this charge's.
    """
    intent_id = _payment_intent_id(charge)
    if intent_id and (
        order_id := Order.objects.filter(stripe_payment_intent_id=intent_id)
        .values_list("pk", flat=True)
        .first()
    ):
        return order_id
    order_id = _known_order_id(_metadata_order_id(charge))
    if order_id is None and intent_id:
        # Raises StripeError when Stripe cannot be asked: a 500 makes Stripe retry later.
        intent = to_dict(stripe_client().v1.payment_intents.retrieve(intent_id))
        order_id = _known_order_id(_metadata_order_id(intent))
    if order_id is None:
        return None
    recorded = Order.objects.values_list("stripe_payment_intent_id", flat=True).get(pk=order_id)
    return order_id if not recorded or recorded == intent_id else None


# Each handler: (the order the event is about, or None; whether the order changed).


def _on_session_paid(session: dict) -> tuple[int | None, bool]:
    if order_id := _session_order_id(session):
        return order_id, _fulfil(order_id, session)[1]
    return None, False


def _session_event(event: Event):
    def handle(session: dict) -> tuple[int | None, bool]:
        if order_id := _session_order_id(session):
            return order_id, _order_event(order_id, event)[1]
        return None, False

    return handle


class MalformedEvent(ValueError):
    """A signed event whose content is not what Stripe sends: retrying cannot mend it."""


def _minor_amount(obj: dict, name: str) -> int:
    value = obj.get(name) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedEvent(f"{name} is not an amount: {value!r}"[:200])
    return value


def _on_charge_refunded(charge: dict) -> tuple[int | None, bool]:
    refunded, amount = _minor_amount(charge, "amount_refunded"), _minor_amount(charge, "amount")
    order_id = _refund_order_id(charge)
    if order_id is None:
        return None, False
    event = Event.REFUNDED_FULL if refunded >= amount > 0 else Event.REFUNDED_PARTIAL
    return order_id, _order_event(order_id, event, Facts(charge=charge))[1]


_EVENT_HANDLERS = {
    "checkout.session.completed": _on_session_paid,
    "checkout.session.async_payment_succeeded": _on_session_paid,
    "checkout.session.async_payment_failed": _session_event(Event.PAYMENT_FAILED),
    "checkout.session.expired": _session_event(Event.SESSION_EXPIRED),
    "charge.refunded": _on_charge_refunded,
}


def stripe_event_malformed(*, payload: str) -> None:
    """Record a signed body that is not an event we can read (once per distinct body)."""
    digest = hashlib.sha256(payload.encode("utf-8", "replace")).hexdigest()
    StripeEvent.objects.get_or_create(
        id=f"malformed:{digest}",
        defaults={
            "type": "malformed",
            # PostgreSQL keeps no NUL in text; the body is kept for an admin to read.
            "payload": {"body": payload.replace("\x00", "\ufffd")[:20_000]},
            "outcome": StripeEvent.Outcome.MALFORMED,
            "processed_at": timezone.now(),
        },
    )


@transaction.atomic
def stripe_event_process(*, event: dict) -> str:
    """Store a verified Stripe event once by id and act on it; returns its outcome
    (StripeEvent.Outcome), or "duplicate" for a repeated delivery, which does nothing.

    Everything (the event row included) rolls back if a handler fails, so Stripe's retry
    gets a clean second chance.
    """
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                id=event["id"],
                type=event["type"],
                payload=event,
                livemode=bool(event.get("livemode")),
            )
    except IntegrityError:
        return DUPLICATE
    record.outcome = _event_apply(record, event["data"]["object"])
    record.processed_at = timezone.now()
    record.save(update_fields=["processed_at", "outcome", "order"])
    return record.outcome


DUPLICATE = "duplicate"


def _event_apply(record: StripeEvent, obj: dict) -> str:
    """Act on a stored event; sets the order it names and returns its outcome."""
    handler = _EVENT_HANDLERS.get(record.type)
    if handler is None:
        return StripeEvent.Outcome.IGNORED
    try:
        with transaction.atomic():
            record.order_id, changed = handler(obj)
    except MalformedEvent as exc:
        # Recorded for an admin, nothing of it applied, and not retried: it cannot mend.
        logger.error("Stripe event %s (%s) is malformed: %s", record.id, record.type, exc)
        record.order_id = None
        return StripeEvent.Outcome.MALFORMED
    if record.order_id is None:
        # Acknowledged (Stripe would retry for days), and listed for an admin to see.
        logger.warning("Stripe event %s (%s) names no known order", record.id, record.type)
        return StripeEvent.Outcome.UNMATCHED
    return StripeEvent.Outcome.APPLIED if changed else StripeEvent.Outcome.NOTHING


def checkout_session_confirm(*, student, session_id: str) -> Order:
    """The success page: ask Stripe about the student's own session and fulfil if paid.

    Raises Order.DoesNotExist unless the session belongs to one of the student's orders.
    """
    order = Order.objects.select_related("course").get(
        student=student, stripe_session_id=session_id
    )
    if order.status != Order.Status.PENDING:
        return order
    try:
        session = to_dict(stripe_client().v1.checkout.sessions.retrieve(session_id))
    except stripe.StripeError as exc:
        # The webhook will still fulfil; the page tells the student it is being confirmed.
        logger.warning("Could not read session %s: %r", session_id, exc)
        return order
    if session.get("id") != order.stripe_session_id or session.get("client_reference_id") != str(
        order.pk
    ):
        return order
    return order_fulfil(order_id=order.pk, session=session)  # it checks the session is paid


def dev_checkout_pay(*, student, order_id: int) -> Order:
    """The labelled test checkout: complete an order as Stripe would, no money moves."""
    if not dev_checkout_active():
        raise PermissionDenied
    order = Order.objects.get(pk=order_id, student=student)
    session = {
        "id": None,
        "client_reference_id": str(order.pk),
        "payment_status": "paid",
        "amount_total": to_minor_units(order.amount, order.currency),
        "currency": order.currency,
        "payment_intent": None,
        "customer_details": {"email": student.email},
    }
    return order_fulfil(order_id=order.pk, session=session, test_checkout=True)


# --- Refunds an admin asks for -------------------------------------------------------------


def order_refund_request(*, order: Order) -> str:
    """Refund an order in full. Returns the refund's id.

    A Stripe payment is refunded by Stripe, whose charge.refunded event then ends access. An
    order paid through the test checkout (DEBUG only) gets the same event made here, so the
    whole journey (access ends, the student is told) can be tried without a Stripe account.
    """
    if order.status not in REFUNDABLE:
        raise ValidationError(
            _("Order #%(id)s is %(status)s: there is no payment to refund.")
            % {"id": order.pk, "status": order.get_status_display()}
        )
    if order.is_test_payment:
        return _test_refund(order)
    if not order.stripe_payment_intent_id:
        raise ValidationError(
            _("Order #%(id)s has no Stripe payment to refund.") % {"id": order.pk}
        )
    try:
        refund = stripe_client().v1.refunds.create(
            params={
                "payment_intent": order.stripe_payment_intent_id,
                "metadata": {"order_id": str(order.pk)},
            },
            options={"idempotency_key": f"order-{order.pk}-refund"},
        )
    except stripe.StripeError as exc:
        raise ValidationError(
            _("Stripe did not refund order #%(id)s: %(error)s")
            % {"id": order.pk, "error": exc.user_message or str(exc)}
        ) from exc
    return refund.id


def _test_refund(order: Order) -> str:
    if not dev_checkout_active():
        raise ValidationError(
            _("Order #%(id)s was paid through the test checkout, which is off on this server.")
            % {"id": order.pk}
        )
    minor = to_minor_units(order.paid_amount or order.amount, order.paid_currency or order.currency)
    charge = {
        "object": "charge",
        "id": f"ch_test_order_{order.pk}",
        "payment_intent": None,
        "metadata": {"order_id": str(order.pk)},
        "amount": minor,
        "amount_refunded": minor,
        "currency": order.paid_currency or order.currency,
        "refunded": True,
    }
    event = {
        "id": f"evt_test_refund_order_{order.pk}",
        "object": "event",
        "type": "charge.refunded",
        "livemode": False,
        "data": {"object": charge},
    }
    stripe_event_process(event=event)
    return f"test_refund_order_{order.pk}"

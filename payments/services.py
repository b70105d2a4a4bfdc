"""Writes of the payments app: starting a checkout, fulfilment, Stripe events, refunds."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import stripe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course
from notifications.models import Notification
from notifications.services import notify
from payments.models import Order, StripeEvent
from payments.stripe_gateway import from_minor_units, stripe_client, to_dict, to_minor_units
from progress.models import Enrollment
from progress.selectors import active_enrollment
from progress.services import enrollment_create, enrollment_revoke

logger = logging.getLogger(__name__)

# A second "Buy" within this window goes back to the same order and Checkout Session
# (Stripe keeps a session open for 24 hours, so it is still usable).
REUSE_PENDING_ORDER_FOR = timedelta(hours=1)
# Statuses from which Stripe's word that the money arrived still gives access.
FULFILLABLE = (Order.Status.PENDING, Order.Status.FAILED, Order.Status.EXPIRED)
REFUNDABLE = (Order.Status.PAID, Order.Status.NEEDS_REVIEW)


def dev_checkout_active() -> bool:
    """The labelled test checkout replaces Stripe only on a DEBUG server."""
    return bool(settings.DEBUG and settings.DEV_CHECKOUT_ENABLED)


class CheckoutOutcome(StrEnum):
    ALREADY_ENROLLED = "already_enrolled"
    ENROLLED_FREE = "enrolled_free"
    REDIRECT = "redirect"
    FAILED = "failed"


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
        reason = f"{type(exc).__name__}: {exc}"[:255]
        # Only an order that never got a session fails; a concurrent click may have made one.
        Order.objects.filter(
            pk=order.pk, status=Order.Status.PENDING, stripe_session_id__isnull=True
        ).update(status=Order.Status.FAILED, failure_reason=reason, updated_at=timezone.now())
        return CheckoutResult(CheckoutOutcome.FAILED, course_url, order)
    Order.objects.filter(pk=order.pk).update(
        stripe_session_id=session["id"],
        stripe_checkout_url=session["url"],
        updated_at=timezone.now(),
    )
    return CheckoutResult(CheckoutOutcome.REDIRECT, session["url"], order)


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
    return ""


@transaction.atomic
def order_fulfil(*, order_id: int, session: dict) -> Order:
    """Give access for a paid Checkout Session, exactly once, whoever calls first.

    Used by the webhook, the success page and the development checkout. A payment that does
    not match the order is recorded and flagged for an admin instead of giving access.
    """
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    if order.status not in FULFILLABLE or session.get("payment_status") != "paid":
        return order
    problem = _payment_mismatch(order, session)
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
    order.failure_reason = ""
    if not problem:
        try:
            enrollment, _created = enrollment_create(
                student=order.student, course=order.course, source=Enrollment.Source.PAID
            )
        except ValidationError:
            problem = "The course is no longer open for enrollment."
        else:
            order.enrollment = enrollment
            order.status = Order.Status.PAID
    if problem:
        logger.error("Order %s needs review: %s", order.pk, problem)
        order.status = Order.Status.NEEDS_REVIEW
        order.failure_reason = problem[:255]
    order.save()
    return order


@transaction.atomic
def order_payment_fail(*, order_id: int, reason: str) -> Order:
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    if order.status != Order.Status.PENDING:
        return order
    order.status = Order.Status.FAILED
    order.failure_reason = reason[:255]
    order.save(update_fields=["status", "failure_reason", "updated_at"])
    notify(
        recipient=order.student,
        kind=Notification.Kind.PAYMENT_FAILED,
        title=_("Your payment for %(course)s did not go through") % {"course": order.course},
        body=_("You have not been enrolled. You can try again from the course page."),
        link=order.course.get_absolute_url(),
    )
    return order


@transaction.atomic
def order_expire(*, order_id: int) -> Order:
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    if order.status == Order.Status.PENDING:
        order.status = Order.Status.EXPIRED
        order.save(update_fields=["status", "updated_at"])
    return order


@transaction.atomic
def order_refund_record(*, charge: dict) -> Order | None:
    """Record a refund Stripe reports; a full refund takes the course away."""
    intent = _payment_intent_id(charge)
    order = (
        Order.objects.select_for_update(of=("self",))
        .filter(stripe_payment_intent_id=intent)
        .first()
        if intent
        else None
    )
    if order is None:
        logger.warning("Refund for unknown payment intent %r ignored", intent)
        return None
    currency = str(charge.get("currency") or order.currency)
    refunded, amount = int(charge.get("amount_refunded") or 0), int(charge.get("amount") or 0)
    order.refunded_amount = from_minor_units(refunded, currency)
    if refunded >= amount > 0 and order.status != Order.Status.REFUNDED:
        order.status = Order.Status.REFUNDED
        order.refunded_at = timezone.now()
        still_paid_for = (
            Order.objects.filter(enrollment_id=order.enrollment_id, status=Order.Status.PAID)
            .exclude(pk=order.pk)
            .exists()
        )
        access_ends = bool(order.enrollment_id) and not still_paid_for
        if access_ends:
            enrollment_revoke(enrollment=order.enrollment)
        notify(
            recipient=order.student,
            kind=Notification.Kind.REFUNDED,
            title=_("Your payment for %(course)s was refunded") % {"course": order.course},
            # Another paid order for the same enrollment keeps the course open.
            body=_("Your access to the course has ended.") if access_ends else "",
            link=reverse("payments:orders"),
        )
    order.save()
    return order


def _order_id(session: dict) -> int | None:
    try:
        order_id = int(session.get("client_reference_id"))
    except (TypeError, ValueError):
        return None
    return order_id if Order.objects.filter(pk=order_id).exists() else None


def _on_session_paid(session: dict) -> None:
    # Completed but "unpaid" means a delayed method (bank debit): order_fulfil waits for it,
    # and async_payment_succeeded brings the same session again once it is paid.
    if order_id := _order_id(session):
        order_fulfil(order_id=order_id, session=session)


def _on_async_payment_failed(session: dict) -> None:
    if order_id := _order_id(session):
        order_payment_fail(order_id=order_id, reason="The delayed payment failed.")


def _on_session_expired(session: dict) -> None:
    if order_id := _order_id(session):
        order_expire(order_id=order_id)


_EVENT_HANDLERS = {
    "checkout.session.completed": _on_session_paid,
    "checkout.session.async_payment_succeeded": _on_session_paid,
    "checkout.session.async_payment_failed": _on_async_payment_failed,
    "checkout.session.expired": _on_session_expired,
    "charge.refunded": lambda charge: order_refund_record(charge=charge),
}


@transaction.atomic
def stripe_event_process(*, event: dict) -> bool:
    """Store a verified Stripe event once by id and act on it. False for a repeat delivery.

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
        return False
    handler = _EVENT_HANDLERS.get(record.type)
    if handler is not None:
        handler(event["data"]["object"])
    record.processed_at = timezone.now()
    record.save(update_fields=["processed_at"])
    return True


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
    """The labelled development checkout: complete an order as Stripe would, no money moves."""
    if not dev_checkout_active():
        raise PermissionDenied
    order = Order.objects.get(pk=order_id, student=student)
    if order.status != Order.Status.PENDING:
        return order
    session = {
        "id": None,
        "client_reference_id": str(order.pk),
        "payment_status": "paid",
        "amount_total": to_minor_units(order.amount, order.currency),
        "currency": order.currency,
        "payment_intent": None,
        "customer_details": {"email": student.email},
    }
    return order_fulfil(order_id=order.pk, session=session)


def order_refund_request(*, order: Order) -> str:
    """Ask Stripe to refund an order in full; the charge.refunded webhook revokes access."""
    if order.status not in REFUNDABLE or not order.stripe_payment_intent_id:
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

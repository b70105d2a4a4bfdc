"""The payments app's emails: a receipt when an order is paid, a refund email when money goes
back. Both are transactional (sent whatever the student's notification settings say) and
queued by steps of the order's lifecycle, inside the step's transaction: they are sent once
it commits, and never if it rolls back.

Each email's key names what it is about, so the outbox queues it once even if the step that
queues it runs again (a retried task, a replayed event): a receipt per order, a refund email
per amount refunded so far (a partial refund, then the rest, each get one).
"""

from decimal import Decimal
from enum import StrEnum

from django.urls import reverse
from django.utils.translation import gettext as _

from core.sites import absolute_url
from mail.services import Draft, email_queue
from payments.models import Order
from payments.stripe_gateway import to_minor_units

RECEIPT_KIND = "receipt"
REFUND_KIND = "refund"


class RefundAccess(StrEnum):
    """What a refund does to the student's access to the course."""

    ENDED = "ended"
    KEPT_BY_OTHER_ORDER = "kept_by_other_order"  # another paid order pays for the course
    KEPT = "kept"  # a partial refund: the order still pays for the course
    UNCHANGED = "unchanged"  # this order gave no access (refunded before it was confirmed)


def receipt_key(order: Order) -> str:
    return f"receipt:order:{order.pk}"


def refund_key(order: Order, currency: str) -> str:
    # The amount refunded so far, in minor units: each refund that adds to it is told once.
    return f"refund:order:{order.pk}:{to_minor_units(order.refunded_amount or 0, currency)}"


def _money(amount: Decimal | None, currency: str) -> dict:
    # Shown as the site shows prices elsewhere: "49.00 USD".
    return {"amount": amount, "currency": currency.upper()}


def _common(order: Order) -> dict:
    return {
        "student_name": order.student.display_name,
        "order_number": order.pk,
        "course_title": order.course.title,
        "course_url": absolute_url(order.course.get_absolute_url()),
        "orders_url": absolute_url(reverse("payments:orders")),
        "test_payment": order.paid_with_test_checkout,
        # The base footer's "service email" line; no unsubscribe link: always sent.
        "transactional": True,
    }


def _labelled(subject: str, order: Order) -> str:
    if order.paid_with_test_checkout:
        return _("[Test payment] %(subject)s") % {"subject": subject}
    return subject


def receipt_queue(*, order: Order) -> int | None:
    """Queue the receipt of a paid order (once per order); None if it was queued before."""
    currency = order.paid_currency or order.currency
    paid = _money(order.paid_amount if order.paid_amount is not None else order.amount, currency)
    subject = _("Your receipt for %(course)s (order #%(number)s)") % {
        "course": order.course.title,
        "number": order.pk,
    }
    return email_queue(
        Draft(
            key=receipt_key(order),
            kind=RECEIPT_KIND,
            to=order.student.email,
            recipient_id=order.student_id,
            subject=_labelled(subject, order),
            template="payments/email/receipt",
            context={
                **_common(order),
                "subject": subject,
                "paid": paid,
                "paid_at": order.paid_at or order.updated_at,
                # A refund that came before the payment's confirmation (events out of order).
                "refunded": _money(order.refunded_amount, currency)
                if order.refunded_amount
                else None,
                "learn_url": absolute_url(order.course.get_learn_url()),
            },
        )
    )


def refund_queue(
    *, order: Order, refunded_now: Decimal, currency: str, access: RefundAccess
) -> int | None:
    """Queue the email for a refund that brought the order's refunded total to
    `order.refunded_amount`; None if that total was told before."""
    paid = order.paid_amount if order.paid_amount is not None else order.amount
    subject = _("Refund of %(amount)s %(currency)s for %(course)s (order #%(number)s)") % {
        "amount": refunded_now,
        "currency": currency.upper(),
        "course": order.course.title,
        "number": order.pk,
    }
    return email_queue(
        Draft(
            key=refund_key(order, currency),
            kind=REFUND_KIND,
            to=order.student.email,
            recipient_id=order.student_id,
            subject=_labelled(subject, order),
            template="payments/email/refund",
            context={
                **_common(order),
                "subject": subject,
                "refunded_now": _money(refunded_now, currency),
                "refunded_total": _money(order.refunded_amount, currency),
                "paid": _money(paid, currency),
                "fully_refunded": order.status == Order.Status.REFUNDED,
                "access": access.value,
            },
        )
    )

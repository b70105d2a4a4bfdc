"""Reads of the payments app."""

from dataclasses import dataclass
from decimal import Decimal

from payments.models import Order


def orders_for_student(*, student):
    """The student's own orders, newest first, with their courses."""
    return (
        Order.objects.filter(student=student)
        .select_related("course")
        .order_by("-created_at", "-id")
    )


def order_for_student(*, student, order_id: int) -> Order | None:
    return Order.objects.filter(student=student, pk=order_id).select_related("course").first()


@dataclass(frozen=True)
class RefundPreview:
    """What an admin sees before refunding an order."""

    order: Order
    amount_to_refund: Decimal
    currency: str  # of amount_to_refund: the currency paid, once a payment is recorded
    access_ends: bool  # the student loses the course (no other paid order keeps it)
    is_test: bool  # paid through the test checkout: no money moves


def enrollments_kept_by_other_orders(*, enrollment_ids, refunded_order_ids) -> set[int]:
    """The enrollments among `enrollment_ids` that a paid order other than those being
    refunded also pays for (the course was granted again, then bought again): refunding
    keeps their access. The one rule for the admin's preview, the refund itself and the
    refund email."""
    ids = [pk for pk in enrollment_ids if pk]
    if not ids:
        return set()
    return set(
        Order.objects.filter(enrollment_id__in=ids, status=Order.Status.PAID)
        .exclude(pk__in=list(refunded_order_ids))
        .values_list("enrollment_id", flat=True)
    )


def refund_previews(orders) -> list[RefundPreview]:
    orders = list(orders.select_related("student", "course", "enrollment"))
    kept_by_other_orders = enrollments_kept_by_other_orders(
        enrollment_ids=[order.enrollment_id for order in orders],
        refunded_order_ids=[order.pk for order in orders],
    )
    previews = []
    for order in orders:
        # Stripe refunds the charge in the currency it took, which a payment flagged for a
        # currency mismatch does not share with the order.
        paid = order.paid_amount is not None
        previews.append(
            RefundPreview(
                order=order,
                amount_to_refund=(order.paid_amount if paid else order.amount)
                - (order.refunded_amount or 0),
                currency=(order.paid_currency if paid else "") or order.currency,
                access_ends=bool(order.enrollment and order.enrollment.is_active)
                and order.enrollment_id not in kept_by_other_orders,
                is_test=order.is_test_payment,
            )
        )
    return previews

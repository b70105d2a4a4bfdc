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
    access_ends: bool  # the student loses the course (no other paid order keeps it)
    is_test: bool  # paid through the test checkout: no money moves


def refund_previews(orders) -> list[RefundPreview]:
    orders = list(orders.select_related("student", "course", "enrollment"))
    kept_by_other_orders = set(
        Order.objects.filter(
            enrollment_id__in=[order.enrollment_id for order in orders if order.enrollment_id],
            status=Order.Status.PAID,
        )
        .exclude(pk__in=[order.pk for order in orders])
        .values_list("enrollment_id", flat=True)
    )
    return [
        RefundPreview(
            order=order,
            amount_to_refund=(order.paid_amount or order.amount) - (order.refunded_amount or 0),
            access_ends=bool(order.enrollment and order.enrollment.is_active)
            and order.enrollment_id not in kept_by_other_orders,
            is_test=order.is_test_payment,
        )
        for order in orders
    ]

"""Reads of the payments app."""

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

"""Reads of the notifications app."""

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from notifications.models import Notification


def notification_list(*, user) -> QuerySet[Notification]:
    """The user's notifications, newest first (served by `notification_list_idx`)."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    """One indexed COUNT (the partial `notification_unread_idx`)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread_counts(*, user_ids: Iterable[int]) -> dict[int, int]:
    """Unread counts for many users in one grouped query; users with none are absent."""
    rows = (
        Notification.objects.filter(recipient_id__in=list(user_ids), read_at__isnull=True)
        .values("recipient_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["recipient_id"]: row["n"] for row in rows}

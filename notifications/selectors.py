"""Reads of the notifications app."""

from collections.abc import Iterable

from django.db.models import CharField, Count, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat

from mail.models import Email
from notifications.emails import KEY_PREFIX
from notifications.models import DEFAULT_DELIVERY, Delivery, Notification, NotificationPreference

# Kinds only people who teach receive: their preferences page leaves them out for others.
TEACHING_KINDS = frozenset({Notification.Kind.NEW_REVIEW, Notification.Kind.INSTRUCTOR_ASSIGNED})


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


def default_delivery(kind: str) -> str:
    return DEFAULT_DELIVERY.get(kind, Delivery.IMMEDIATELY)


def deliveries(*, user) -> dict[str, str]:
    """How `user` receives each kind, their choices over the defaults (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, default_delivery(kind)) for kind in Notification.Kind.values}


def deliveries_of_kind(*, user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """How each of `user_ids` receives `kind` (one query, however many users)."""
    user_ids = list(user_ids)
    chosen = dict(
        NotificationPreference.objects.filter(kind=kind, user_id__in=user_ids).values_list(
            "user_id", "delivery"
        )
    )
    default = default_delivery(kind)
    return {user_id: chosen.get(user_id, default) for user_id in user_ids}


def digest_kinds() -> set[str]:
    """Kinds that someone receives in the digest: by default, or by choice (one query)."""
    chosen = NotificationPreference.objects.filter(delivery=Delivery.DIGEST)
    return {
        kind for kind in Notification.Kind.values if default_delivery(kind) == Delivery.DIGEST
    } | set(chosen.values_list("kind", flat=True).distinct())


def emailed_at_once() -> Exists:
    """For a Notification queryset: its own email went out, or waits for a retry.

    Such a notification is not offered to a digest as well (its kind may have moved to the
    digest since); one whose email was stopped (turned off, failed) never reached the user.
    """
    return Exists(
        Email.objects.filter(
            key=Concat(Value(KEY_PREFIX), Cast(OuterRef("pk"), CharField())),
            status__in=[Email.Status.QUEUED, Email.Status.SENT],
        )
    )


def preference_kinds(*, user) -> list[str]:
    """The kinds `user`'s preferences page offers, in the kinds' order."""
    teaches = getattr(user, "is_instructor", False) or getattr(user, "is_admin", False)
    return [kind for kind in Notification.Kind.values if teaches or kind not in TEACHING_KINDS]

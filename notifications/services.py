"""Writing notifications. Live events go out only after the surrounding transaction commits."""

from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from notifications.models import Notification


def user_group_name(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def notify(*, recipient, kind: str, title: str, body: str = "", link: str = "") -> Notification:
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title, body=body, link=link
    )
    transaction.on_commit(lambda: _send_live([notification]))
    return notification


def notify_many(
    *, recipients: Iterable, kind: str, title: str, body: str = "", link: str = ""
) -> list[Notification]:
    notifications = Notification.objects.bulk_create(
        Notification(recipient=r, kind=kind, title=title, body=body, link=link) for r in recipients
    )
    transaction.on_commit(lambda: _send_live(notifications))
    return notifications


def _send_live(notifications: list[Notification]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for notification in notifications:
        async_to_sync(layer.group_send)(
            user_group_name(notification.recipient_id),
            {
                "type": "notification.created",
                "notification": {
                    "id": notification.pk,
                    "kind": notification.kind,
                    "title": notification.title,
                    "body": notification.body,
                    "link": notification.link,
                },
            },
        )

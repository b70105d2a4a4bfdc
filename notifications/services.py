"""Writing notifications and sending them live.

Any app may call `notify` / `notify_many` from inside its own service's transaction: the rows
are written in that transaction, and the live WebSocket messages go out only after it commits
(`transaction.on_commit`), so a rolled-back action never notifies anyone. A channel layer
outage at send time (Redis down) is logged and swallowed: the rows are already committed, the
user sees them on the next page load, and the request that caused the event still succeeds.

Live messages sent to the group `user_group_name(user_id)` (handled by
`notifications.consumers.NotificationConsumer`):

- `{"type": "notification.created", "notification": {...}, "unread_count": n}` for each new
  notification, with the recipient's unread count after the commit;
- `{"type": "unread.count", "unread_count": n}` when notifications are marked read, so every
  open tab of that user updates its badge;
- `{"type": "session.ended", "session": digest}` when one of the user's sessions logs out:
  that session's sockets close (`live_session_end`);
- `{"type": "sessions.check"}` when the user's password or active flag changed: every socket
  re-validates its session against the database and closes if it no longer holds
  (`live_sessions_check`).

A bulk notification to more users than there are shards goes instead to the shard groups
`shard_group_name(user_id)`, one message per shard: `{"type": "notifications.created",
"notification": {...without "id"}, "recipients": {"<user id>": [notification id, count]}}`;
each server process reads it once and hands each entry to that user's sockets, if any there
(notifications.shards). One publish per shard instead of one per user is what keeps a
notification to a thousand students under a fraction of a second.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator

from notifications.models import Notification
from notifications.selectors import unread_count, unread_counts

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = Notification._meta.get_field("title").max_length
LINK_MAX_LENGTH = Notification._meta.get_field("link").max_length
# The toast shows a short body; the full text is on /notifications/.
LIVE_BODY_MAX_LENGTH = 500


LIVE_SHARDS = 16


def user_group_name(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def shard_group_name(user_id: int) -> str:
    return f"notifications.shard.{user_id % LIVE_SHARDS}"


def session_digest(session_key: str) -> str:
    """What events name a session by: the key is a login credential, kept out of Redis."""
    return salted_hmac("notifications.session", session_key).hexdigest()


def is_local_url(url: str) -> bool:
    """True for a path on this site ("/learn/x/"); False for other hosts, schemes, "//x"."""
    return (
        bool(url)
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


def _fields(*, kind: str, title: str, body: str, link: str) -> dict:
    if kind not in Notification.Kind.values:
        raise ValueError(f"Unknown notification kind: {kind!r}")
    link = str(link)
    # Links end up in an href in every page and toast: only paths on this site are allowed.
    if link and (not is_local_url(link) or len(link) > LINK_MAX_LENGTH):
        raise ValueError(f"A notification link must be a local path, not {link!r}")
    # Titles are built from user-chosen names (a course title); never fail the caller's
    # action over a title that is too long for the column.
    return {
        "kind": kind,
        "title": Truncator(str(title)).chars(TITLE_MAX_LENGTH),
        "body": str(body),
        "link": link,
    }


def notify(*, recipient, kind: str, title: str, body: str = "", link: str = "") -> Notification:
    """Notify one user: write the row now, send it live after the transaction commits.

    `kind` is a `Notification.Kind`; `title` and `body` are plain text (never HTML: pages
    escape them and the script inserts them as text); `link` is a local path such as
    f"/learn/{course.slug}/" (anything else raises ValueError). Returns the notification.
    """
    notification = Notification.objects.create(
        recipient=recipient, **_fields(kind=kind, title=title, body=body, link=link)
    )
    transaction.on_commit(partial(_send_created, [notification]), robust=True)
    return notification


def notify_many(
    *, recipients: Iterable, kind: str, title: str, body: str = "", link: str = ""
) -> list[Notification]:
    """Notify many users at once (e.g. every active enrollee of a course).

    Same arguments as `notify`, with `recipients` an iterable (or queryset) of users; a user
    listed twice is notified once. One INSERT for all rows; after commit, one grouped query
    computes every recipient's unread count, then one message goes to each recipient's group.
    """
    fields = _fields(kind=kind, title=title, body=body, link=link)
    unique = {user.pk: user for user in recipients}
    if not unique:
        return []
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, **fields) for user in unique.values()
    )
    transaction.on_commit(partial(_send_created, notifications), robust=True)
    return notifications


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read. Another user's id raises DoesNotExist."""
    notification = Notification.objects.select_for_update().get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        transaction.on_commit(partial(_send_unread_count, user.pk), robust=True)
    return notification


def notification_mark_all_read(*, user) -> int:
    """Mark every unread notification of `user` read; returns how many changed."""
    with transaction.atomic():
        changed = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if changed:
            transaction.on_commit(partial(_send_unread_count, user.pk), robust=True)
    return changed


def live_payload(notification: Notification) -> dict:
    """What a socket receives for one notification: plain-text fields only."""
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": Truncator(notification.body).chars(LIVE_BODY_MAX_LENGTH),
        "link": notification.link,
        "created": notification.created_at.isoformat(),
    }


def _send_created(notifications: list[Notification]) -> None:
    counts = unread_counts(user_ids={n.recipient_id for n in notifications})
    if len(notifications) <= LIVE_SHARDS:
        _group_send(
            [
                (
                    user_group_name(n.recipient_id),
                    {
                        "type": "notification.created",
                        "notification": live_payload(n),
                        "unread_count": counts.get(n.recipient_id, 0),
                    },
                )
                for n in notifications
            ]
        )
        return
    # notify_many: the same notification for everyone, only the row ids and counts differ.
    shared = live_payload(notifications[0])
    del shared["id"]
    recipients = defaultdict(dict)
    for n in notifications:
        # String keys: the Redis layer's msgpack accepts no others.
        entries = recipients[shard_group_name(n.recipient_id)]
        entries[str(n.recipient_id)] = [n.pk, counts.get(n.recipient_id, 0)]
    _group_send(
        [
            (
                group,
                {"type": "notifications.created", "notification": shared, "recipients": entries},
            )
            for group, entries in recipients.items()
        ]
    )


def live_session_end(*, user_id: int, session_key: str) -> None:
    """Close the sockets of one of `user_id`'s sessions (a logout), after commit.

    Only that session's sockets: the user's other browsers stay logged in and live.
    """
    message = {"type": "session.ended", "session": session_digest(session_key)}
    transaction.on_commit(partial(_send_session_event, user_id, message, "logout"), robust=True)


def live_sessions_check(*, user_id: int) -> None:
    """Have every socket of `user_id` re-validate its session now, after commit (a changed
    password or active flag: the sockets whose session no longer holds close)."""
    message = {"type": "sessions.check"}
    transaction.on_commit(
        partial(_send_session_event, user_id, message, "account change"), robust=True
    )


def _send_session_event(user_id: int, message: dict, why: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group_name(user_id), message)
    except Exception as error:
        # Each socket re-validates its session on its own every
        # NOTIFICATIONS_SOCKET_RECHECK_SECONDS: this only makes the close prompt.
        logger.warning(
            "Channel layer unavailable: sockets of user %s not told of the %s (%r)",
            user_id,
            why,
            error,
        )


def _send_unread_count(user_id: int) -> None:
    count = unread_count(user=user_id)
    _group_send([(user_group_name(user_id), {"type": "unread.count", "unread_count": count})])


def _group_send(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    try:
        async_to_sync(_group_send_all)(layer, messages)
    except Exception:
        # The rows are committed and the pages show them; a live push is best effort.
        logger.exception("Channel layer unavailable: %d live notification(s) lost", len(messages))


async def _group_send_all(layer, messages: list[tuple[str, dict]]) -> None:
    for group, message in messages:
        await layer.group_send(group, message)

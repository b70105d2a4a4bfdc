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

Email: each recipient who receives the kind "immediately" (NotificationPreference, else
DEFAULT_DELIVERY) also gets an email, queued in the same transaction as the row (mail's
outbox, key `notification:<id>`) and sent by a task after the commit, so a rolled-back action
emails nobody and a failed send (the mail server down) leaves the action and the row in
place, the email retried by mail's job. "Digest" kinds wait for `digests_send`, the daily job,
which leaves out a notification already emailed at once: a notification is emailed once.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from redis.exceptions import RedisError

from core.breaker import Breaker
from mail.services import emails_cancel, emails_queue
from notifications import emails, selectors
from notifications.models import Delivery, DigestState, Notification, NotificationPreference
from notifications.selectors import unread_count, unread_counts

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = Notification._meta.get_field("title").max_length
LINK_MAX_LENGTH = Notification._meta.get_field("link").max_length
# The toast shows a short body; the full text is on /notifications/.
LIVE_BODY_MAX_LENGTH = 500


LIVE_SHARDS = 16
# A hung Redis would cost every live push its socket timeout: a request that notifies, and
# a bulk action one per user. After a failure this process skips live pushes for a while.
LIVE_RETRY_AFTER = 1.0
_live = Breaker(LIVE_RETRY_AFTER)


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


def notify(
    *, recipient, kind: str, title: str, body: str = "", link: str = "", email: bool = True
) -> Notification:
    """Notify one user: write the row now, send it live after the transaction commits, and
    email it when the user receives this kind at once.

    `kind` is a `Notification.Kind`; `title` and `body` are plain text (never HTML: pages
    escape them and the script inserts them as text); `link` is a local path such as
    f"/learn/{course.slug}/" (anything else raises ValueError). `email=False` when the
    action sends an email of its own (a receipt): no preference email then, the digest
    still lists it. Returns the notification.
    """
    notification = Notification.objects.create(
        recipient=recipient, **_fields(kind=kind, title=title, body=body, link=link)
    )
    transaction.on_commit(partial(_send_created, [notification]), robust=True)
    if email:
        _emails_queue([notification], kind=kind)
    return notification


def notify_many(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify many users at once (e.g. every active enrollee of a course).

    Same arguments as `notify`, with `recipients` an iterable (or queryset) of users; a user
    listed twice is notified once. One INSERT for all rows; one query reads every
    recipient's preference for the kind and the emails are queued together; after commit,
    one grouped query computes every recipient's unread count, then one message goes to
    each recipient's group.
    """
    fields = _fields(kind=kind, title=title, body=body, link=link)
    unique = {user.pk: user for user in recipients}
    if not unique:
        return []
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, **fields) for user in unique.values()
    )
    transaction.on_commit(partial(_send_created, notifications), robust=True)
    if email:
        _emails_queue(notifications, kind=kind)
    return notifications


def _can_email(user) -> bool:
    return bool(getattr(user, "is_active", True) and getattr(user, "email", ""))


def _emails_queue(notifications: list[Notification], *, kind: str) -> None:
    """Queue the email of each notification whose recipient receives `kind` at once."""
    wanted = selectors.deliveries_of_kind(
        user_ids=[n.recipient_id for n in notifications], kind=kind
    )
    drafts = [
        emails.notification_draft(n, user=n.recipient)
        for n in notifications
        if wanted[n.recipient_id] == Delivery.IMMEDIATELY and _can_email(n.recipient)
    ]
    if drafts:
        emails_queue(drafts)


# --- Email preferences ------------------------------------------------------------------------

# Why an email waiting in the outbox was not sent, for an admin (mail's Email.last_error).
UNSUBSCRIBED = "Not sent: the recipient turned these emails off."


@transaction.atomic  # the choice and the outbox it stops, together
def preferences_save(*, user, choices: dict[str, str]) -> None:
    """Set how `user` receives each kind in `choices` ({kind: Delivery}), in one statement."""
    for kind, delivery in choices.items():
        if kind not in Notification.Kind.values or delivery not in Delivery.values:
            raise ValueError(f"Not a notification preference: {kind!r}: {delivery!r}")
    if not choices:
        return
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user_id=user.pk, kind=kind, delivery=delivery)
            for kind, delivery in choices.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["delivery", "updated_at"],
    )
    # What waits in the outbox (a retry after a temporary refusal, an announcement's
    # backlog) follows the new choice too: emails of the kinds turned off, and the digest
    # once none of the user's kinds goes to it (as the digest job itself would decide).
    stopped = [emails.email_kind(kind) for kind, d in choices.items() if d == Delivery.OFF]
    now = selectors.deliveries(user=user)
    if all(now[kind] != Delivery.DIGEST for kind in selectors.preference_kinds(user=user)):
        stopped.append(emails.email_kind(emails.DIGEST))
    emails_cancel(recipient_id=user.pk, kinds=stopped, reason=UNSUBSCRIBED)


@transaction.atomic
def unsubscribe(*, user, kind: str) -> list[str]:
    """Turn off the emails an unsubscribe link names: one kind, or (`emails.DIGEST`) every
    kind `user` receives in the digest. Returns the kinds turned off."""
    if kind == emails.DIGEST:
        kinds = [k for k, d in selectors.deliveries(user=user).items() if d == Delivery.DIGEST]
    else:
        kinds = [kind]
    preferences_save(user=user, choices=dict.fromkeys(kinds, Delivery.OFF))
    return kinds


# --- Daily digest -----------------------------------------------------------------------------

# Users per round of the digest job: a handful of queries and one transaction each.
DIGEST_BATCH = 500
# However long the job did not run, a digest reaches back no further.
DIGEST_MAX_DAYS = 7
# A notification written just before the job runs may still be in an open transaction:
# the digest stops this far before `now`, and the next one starts there.
DIGEST_SETTLE = timedelta(minutes=5)


def digests_send(*, now: datetime | None = None) -> int:
    """Queue each user's digest: one email with their "digest" kinds' notifications since
    their last digest. Returns how many were queued.

    One digest per user per day (`DigestState.sent_on`, and the email's key
    `digest:<user id>:<date>`), so running the job again sends nothing twice. Users are
    taken in batches, with the same few queries for each batch.
    """
    now = now or timezone.now()
    through = now - DIGEST_SETTLE
    day = timezone.localdate(now)
    kinds = selectors.digest_kinds()
    # Every notification before the last digest run was offered to a digest then: scan from
    # there (a day at least, so a rerun later in the day leaves nobody's notifications out).
    last = DigestState.objects.aggregate(last=Max("sent_through"))["last"]
    since = through - timedelta(days=1)
    if last is not None:
        since = min(since, last)
    since = max(since, through - timedelta(days=DIGEST_MAX_DAYS))
    # A kind switched from "at once" to the digest: what was emailed at once stays out.
    window = Notification.objects.filter(
        kind__in=kinds, created_at__gte=since, created_at__lt=through
    ).exclude(selectors.emailed_at_once())
    user_ids = list(
        window.order_by("recipient_id").values_list("recipient_id", flat=True).distinct()
    )
    queued = 0
    for start in range(0, len(user_ids), DIGEST_BATCH):
        queued += _digests_batch(
            window, user_ids[start : start + DIGEST_BATCH], day=day, through=through
        )
    return queued


def _digests_batch(window, user_ids: list[int], *, day, through: datetime) -> int:
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids, is_active=True)}
    states = {
        user_id: (sent_on, sent_through)
        for user_id, sent_on, sent_through in DigestState.objects.filter(
            user_id__in=user_ids
        ).values_list("user_id", "sent_on", "sent_through")
    }
    chosen = {
        (user_id, kind): delivery
        for user_id, kind, delivery in NotificationPreference.objects.filter(
            user_id__in=user_ids
        ).values_list("user_id", "kind", "delivery")
    }
    pending: dict[int, list[Notification]] = {}
    for notification in window.filter(recipient_id__in=user_ids):
        user_id = notification.recipient_id
        sent_on, sent_through = states.get(user_id, (None, None))
        if (
            user_id in users
            and sent_on != day
            and (sent_through is None or notification.created_at >= sent_through)
            and chosen.get(
                (user_id, notification.kind), selectors.default_delivery(notification.kind)
            )
            == Delivery.DIGEST
        ):
            pending.setdefault(user_id, []).append(notification)
    if not pending:
        return 0
    drafts = [
        emails.digest_draft(user=users[user_id], notifications=notifications, day=day)
        for user_id, notifications in pending.items()
        if _can_email(users[user_id])
    ]
    with transaction.atomic():
        emails_queue(drafts)
        DigestState.objects.bulk_create(
            [
                DigestState(user_id=user_id, sent_on=day, sent_through=through)
                for user_id in pending
            ],
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=["sent_on", "sent_through"],
        )
    return len(drafts)


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
    # Each socket re-validates its session on its own every
    # NOTIFICATIONS_SOCKET_RECHECK_SECONDS: this only makes the close prompt.
    error = _live_send([(user_group_name(user_id), message)])
    if error is not None:
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
    # The rows are committed and the pages show them; a live push is best effort.
    error = _live_send(messages)
    if error is not None:
        logger.error(
            "Channel layer unavailable: %d live notification(s) lost", len(messages), exc_info=error
        )


def _live_send(messages: list[tuple[str, dict]]) -> Exception | None:
    """Send each (group, message); the error that stopped it, if any (the breaker's too)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return None
    if not _live.admits():
        return ConnectionError(f"skipped for {LIVE_RETRY_AFTER} s after a failure")
    try:
        async_to_sync(_group_send_all)(layer, messages)
    except (RedisError, OSError) as error:  # the layer's Redis unreachable
        _live.failed()
        return error
    except Exception as error:  # a message it refused: the next one may go
        return error
    _live.succeeded()
    return None


async def _group_send_all(layer, messages: list[tuple[str, dict]]) -> None:
    for group, message in messages:
        await layer.group_send(group, message)

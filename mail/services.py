"""Writes of the mail app: queue emails (on commit, sent by tasks), deliver, retry.

Callers render nothing themselves: they name a template pair (`<name>.txt` and
`<name>.html`, extending mail/base.txt and mail/base.html) and a context; the site's name
and absolute links come from here.
"""

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.sites import absolute_url
from mail.models import Email

logger = logging.getLogger(__name__)

# Emails per delivery task: one SMTP connection sends them all.
DELIVERY_BATCH = 100
# A failed send waits this long before the next try (the retry job runs every minute);
# after the last, the email is marked failed for an admin to look at.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)


# The reason an email was not sent, for an admin (Email.last_error).
DEACTIVATED = "Not sent: the recipient's account was deactivated."
# Records of money (payments' receipts and refunds) still reach an account deactivated since
# they were queued: the person is owed them. Every other kind stops with the account.
SENT_TO_DEACTIVATED_ACCOUNTS = frozenset({"receipt", "refund"})


@dataclass
class Draft:
    """One email to queue: `key` names what it is about (queued once per key)."""

    key: str
    kind: str
    to: str
    subject: str
    template: str
    context: dict = field(default_factory=dict)
    recipient_id: int | None = None
    headers: dict = field(default_factory=dict)


def render(template: str, context: dict) -> tuple[str, str]:
    """(text, html) of an email, in the site's language, with its brand and links."""
    full = {
        "site_name": settings.SITE_NAME,
        "site_url": absolute_url("/"),
        **context,
    }
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"{template}.txt", full).strip() + "\n"
        html = render_to_string(f"{template}.html", full)
    return text, html


def _row(draft: Draft) -> Email:
    text, html = render(draft.template, draft.context)
    return Email(
        key=draft.key[:200],
        kind=draft.kind,
        to_address=draft.to,
        recipient_id=draft.recipient_id,
        subject=" ".join(draft.subject.split())[:250],
        text_body=text,
        html_body=html,
        headers=draft.headers,
    )


def emails_queue(drafts: Iterable[Draft]) -> list[int]:
    """Queue `drafts`, skipping any whose key was queued before; returns the new rows' ids.

    Rows are written in the caller's transaction (they roll back with it); their delivery is
    enqueued once it commits. Should the enqueue fail, the retry job sends them anyway.
    """
    rows = [_row(draft) for draft in drafts]
    if not rows:
        return []
    keys = [row.key for row in rows]
    existing = set(Email.objects.filter(key__in=keys).values_list("key", flat=True))
    Email.objects.bulk_create([r for r in rows if r.key not in existing], ignore_conflicts=True)
    new_keys = [k for k in keys if k not in existing]
    ids = list(
        Email.objects.filter(key__in=new_keys, status=Email.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    deliveries_enqueue_on_commit(ids)
    return ids


def email_queue(draft: Draft) -> int | None:
    """Queue one email (see `emails_queue`); None if its key was queued before."""
    ids = emails_queue([draft])
    return ids[0] if ids else None


def deliveries_enqueue_on_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: deliveries_enqueue(ids), robust=True)


def deliveries_enqueue(ids: list[int]) -> None:
    from mail.tasks import deliver  # the task module imports this one

    for start in range(0, len(ids), DELIVERY_BATCH):
        deliver.enqueue(list(ids[start : start + DELIVERY_BATCH]))


def _message(email: Email, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
        headers={"X-Edusphere-Email": email.key, **email.headers},
        connection=connection,
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer will not change on a retry, nor an email that cannot be made into a
    message (ValueError: an address whose domain has no IDNA form); anything else (4xx, a
    dropped or refused connection, a timeout) may."""
    if isinstance(error, ValueError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def _failed(email: Email, error: Exception, now: datetime) -> None:
    email.attempts += 1
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    if _is_permanent(error) or email.attempts > len(RETRY_DELAYS):
        email.status = Email.Status.FAILED
        logger.error("Email %s to %s failed: %s", email.key, email.to_address, email.last_error)
    else:
        email.next_attempt_at = now + RETRY_DELAYS[email.attempts - 1]
        logger.warning("Email %s will be retried: %s", email.key, email.last_error)
    email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def _dropped(email: Email, reason: str) -> None:
    email.status = Email.Status.FAILED
    email.last_error = reason
    logger.info("Email %s to %s dropped: %s", email.key, email.to_address, reason)
    email.save(update_fields=["status", "last_error"])


def emails_deliver(ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Send the queued, due emails among `ids`; returns how many were sent.

    Each is sent inside a transaction that locks its row (others skip it) and marks it sent,
    so it is sent once: a worker killed before the commit leaves it queued, and it goes
    again. One connection serves the batch; when the server cannot be reached, the rest of
    the batch waits for the retry job rather than each trying in turn. An email to an
    account deactivated since it was queued is not sent (failed, with the reason).
    """
    now = now or timezone.now()
    sent = 0
    connection = get_connection()
    try:
        for pk in ids:
            with transaction.atomic():
                email = (
                    Email.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("recipient")
                    .filter(pk=pk, status=Email.Status.QUEUED, next_attempt_at__lte=now)
                    .first()
                )
                if email is None:
                    continue
                # Read at send time, whichever way the account was deactivated (the admin,
                # a bulk update): a retry or a backlog may send long after the queueing.
                if (
                    email.recipient is not None
                    and not email.recipient.is_active
                    and email.kind not in SENT_TO_DEACTIVATED_ACCOUNTS
                ):
                    _dropped(email, DEACTIVATED)
                    continue
                try:
                    # Opened once for the batch (a no-op when open): sending alone would
                    # open and close a connection per email.
                    connection.open()
                    _message(email, connection).send()
                except (smtplib.SMTPException, OSError) as error:
                    _failed(email, error, now)
                    if not isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                        break  # the server, not this email: leave the rest for later
                    continue
                except ValueError as error:
                    # Raised before anything is sent (Django checks the addresses first):
                    # this email, not the server, so the rest of the batch goes on.
                    _failed(email, error, now)
                    continue
                email.status = Email.Status.SENT
                email.sent_at = timezone.now()
                email.attempts += 1
                email.last_error = ""
                email.save(update_fields=["status", "sent_at", "attempts", "last_error"])
                sent += 1
    finally:
        connection.close()
    return sent


def emails_cancel(*, recipient_id: int, kinds: Iterable[str], reason: str) -> int:
    """Never send the queued emails of `kinds` to `recipient_id` (waiting for a retry, or
    behind others): they are marked failed with `reason`. Returns how many."""
    return Email.objects.filter(
        recipient_id=recipient_id, kind__in=list(kinds), status=Email.Status.QUEUED
    ).update(status=Email.Status.FAILED, last_error=reason)


def emails_retry_due(*, now: datetime | None = None) -> int:
    """Enqueue delivery of every queued email that is due: retries after a failure, and
    emails whose task was lost (a worker killed mid-task, an enqueue that failed).

    An email just queued is left a minute to its own task.
    """
    now = now or timezone.now()
    ids = list(
        Email.objects.filter(
            status=Email.Status.QUEUED,
            next_attempt_at__lte=now,
            created_at__lte=now - timedelta(minutes=1),
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:10_000]
    )
    deliveries_enqueue(ids)
    return len(ids)


def email_retry(*, email: Email) -> None:
    """An admin sends a failed email again: queued now, with its tries counted afresh."""
    Email.objects.filter(pk=email.pk, status=Email.Status.FAILED).update(
        status=Email.Status.QUEUED, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    deliveries_enqueue_on_commit([email.pk])


def emails_prune(*, now: datetime | None = None, keep_days: int = 90) -> int:
    """Forget sent emails after `keep_days` (failed ones stay for an admin)."""
    now = now or timezone.now()
    deleted, _ = Email.objects.filter(
        status=Email.Status.SENT, sent_at__lt=now - timedelta(days=keep_days)
    ).delete()
    return deleted

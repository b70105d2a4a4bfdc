"""Notification emails: what one notification's email and a day's digest say, and the
signed links that turn them off.

An unsubscribe link names a user and a kind (or the digest) in a token signed with
Django's SECRET_KEY under a salt of its own, so no other signed value of the site can stand
in for it, and it expires. It is the only credential the unsubscribe page asks for: it works
from the email without logging in, and it can only ever turn one kind of email off.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.sites import absolute_url
from mail.services import Draft
from notifications.models import Notification

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = 60 * 24 * 60 * 60  # 60 days: older emails' links expire
# The token's "kind" for the digest email: it turns the digest off.
DIGEST = "digest"
# One notification's own email is keyed "notification:<id>" in the outbox.
KEY_PREFIX = "notification:"

# A subject that tells what the email is about before it is opened; most titles do already.
SUBJECTS = {
    Notification.Kind.PAYMENT_FAILED: _("Action needed: %(title)s"),
    Notification.Kind.ANNOUNCEMENT: _("Announcement: %(title)s"),
}
DEFAULT_SUBJECT = _("%(title)s")

# The email's button, named after where the notification's link leads.
ACTIONS = {
    Notification.Kind.ENROLLED: _("Start learning"),
    Notification.Kind.PAYMENT_FAILED: _("Back to the course"),
    Notification.Kind.REFUNDED: _("See your purchases"),
    Notification.Kind.INSTRUCTOR_ASSIGNED: _("Open the course workspace"),
    Notification.Kind.NEW_LECTURE: _("Go to the course"),
    Notification.Kind.NEW_REVIEW: _("Read the review"),
    Notification.Kind.COURSE_COMPLETED: _("Review the course"),
    Notification.Kind.ROLE_CHANGED: _("Open"),
    Notification.Kind.CERTIFICATE_ISSUED: _("Get your certificate"),
    Notification.Kind.ANNOUNCEMENT: _("Read the announcement"),
}
DEFAULT_ACTION = _("Open")

# The heading of each kind's group in the digest.
DIGEST_HEADINGS = {
    Notification.Kind.ENROLLED: _("Enrollments"),
    Notification.Kind.PAYMENT_FAILED: _("Payments that did not go through"),
    Notification.Kind.REFUNDED: _("Refunds"),
    Notification.Kind.INSTRUCTOR_ASSIGNED: _("Courses you now teach"),
    Notification.Kind.NEW_LECTURE: _("New in your courses"),
    Notification.Kind.NEW_REVIEW: _("New reviews of your courses"),
    Notification.Kind.COURSE_COMPLETED: _("Courses completed"),
    Notification.Kind.ROLE_CHANGED: _("Your role"),
    Notification.Kind.CERTIFICATE_ISSUED: _("Certificates"),
    Notification.Kind.ANNOUNCEMENT: _("Announcements"),
}
# A kind's group in the digest lists this many; the rest are a link to the site.
DIGEST_ITEMS_PER_KIND = 10


def email_kind(kind: str) -> str:
    """The outbox's kind (mail's Email.kind) of a notification kind's emails, or of the
    digest (DIGEST)."""
    return f"notification:{kind}"


class BadToken(Exception):
    """An unsubscribe token that is expired, altered, or not one at all."""


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """(user id, kind) the token names; BadToken when it is expired or not ours."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature as error:  # SignatureExpired is one
        raise BadToken(str(error)) from None
    if not isinstance(data, dict):
        raise BadToken("not an unsubscribe token")
    user_id, kind = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or (kind != DIGEST and kind not in Notification.Kind.values):
        raise BadToken("not an unsubscribe token")
    return user_id, kind


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = unsubscribe_token(user_id=user_id, kind=kind)
    return absolute_url(reverse("notifications:unsubscribe", args=[token]))


def unsubscribe_headers(url: str) -> dict:
    """RFC 2369's link and RFC 8058's one-click POST: mail clients show their own button."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def link_url(link: str) -> str:
    """A notification's link on the site; one without a link opens the notifications list."""
    return absolute_url(link or reverse("notifications:list"))


def notification_draft(notification: Notification, *, user) -> Draft:
    """The email for one notification to `user` (its recipient)."""
    kind = notification.kind
    unsubscribe = unsubscribe_url(user_id=user.pk, kind=kind)
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(SUBJECTS.get(kind, DEFAULT_SUBJECT)) % {"title": notification.title}
        kind_label = str(Notification.Kind(kind).label)
        action = str(ACTIONS.get(kind, DEFAULT_ACTION))
    return Draft(
        key=f"{KEY_PREFIX}{notification.pk}",
        kind=email_kind(kind),
        to=user.email,
        subject=subject,
        template="notifications/email/notification",
        context={
            "subject": subject,
            "name": user.display_name,
            "kind_label": kind_label,
            "title": notification.title,
            "body": notification.body,
            "url": link_url(notification.link),
            "action": action,
            "unsubscribe_url": unsubscribe,
            "preferences_url": absolute_url(reverse("notifications:preferences")),
        },
        recipient_id=user.pk,
        headers=unsubscribe_headers(unsubscribe),
    )


@dataclass
class DigestGroup:
    kind: str
    heading: str
    items: list[dict]
    more: int  # how many more than listed


def digest_draft(*, user, notifications: list[Notification], day) -> Draft:
    """One email for `user`'s digest of `day`: `notifications` grouped by kind (in the kinds'
    order), newest first in each group."""
    by_kind: dict[str, list[Notification]] = {}
    for notification in sorted(notifications, key=lambda n: (n.created_at, n.pk), reverse=True):
        by_kind.setdefault(notification.kind, []).append(notification)
    unsubscribe = unsubscribe_url(user_id=user.pk, kind=DIGEST)
    with translation.override(settings.LANGUAGE_CODE):
        groups = [
            DigestGroup(
                kind=kind,
                heading=str(DIGEST_HEADINGS.get(kind, Notification.Kind(kind).label)),
                items=[
                    {
                        "title": n.title,
                        "body": n.body,
                        "url": link_url(n.link),
                        "created_at": n.created_at,
                    }
                    for n in by_kind[kind][:DIGEST_ITEMS_PER_KIND]
                ],
                more=max(0, len(by_kind[kind]) - DIGEST_ITEMS_PER_KIND),
            )
            for kind in Notification.Kind.values
            if kind in by_kind
        ]
        count = len(notifications)
        subject = ngettext(
            "Your daily digest: %(count)d new notification",
            "Your daily digest: %(count)d new notifications",
            count,
        ) % {"count": count}
    return Draft(
        key=f"digest:{user.pk}:{day.isoformat()}",
        kind=email_kind(DIGEST),
        to=user.email,
        subject=subject,
        template="notifications/email/digest",
        context={
            "subject": subject,
            "name": user.display_name,
            "groups": groups,
            "count": count,
            "day": day,
            "all_url": absolute_url(reverse("notifications:list")),
            "unsubscribe_url": unsubscribe,
            "preferences_url": absolute_url(reverse("notifications:preferences")),
        },
        recipient_id=user.pk,
        headers=unsubscribe_headers(unsubscribe),
    )

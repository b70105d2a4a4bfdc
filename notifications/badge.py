"""The header's unread count, cached per user until one of their notifications changes.

Every logged-in page shows the badge, and notifications change far less often than pages are
viewed. Each user has a version token; a cached count is used only under the token it was
counted under, and any change to the user's notifications sets a new token once it commits.
The token is read before the count, so a count made while a change commits is filed under
the old token and made again on the next page.
"""

import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from notifications.models import Notification
from notifications.selectors import unread_count

TIMEOUT_SECONDS = 24 * 60 * 60


def _version_key(user_id: int) -> str:
    return f"notifications:badge-version:{user_id}"


def _count_key(user_id: int) -> str:
    return f"notifications:badge:{user_id}"


def badge_count(*, user) -> int:
    """`user`'s unread notifications: from the cache, or one indexed COUNT."""
    version_key, count_key = _version_key(user.pk), _count_key(user.pk)
    found = cache.get_many([version_key, count_key])
    version = found.get(version_key)
    if version is None:
        cache.add(version_key, uuid.uuid4().hex, TIMEOUT_SECONDS)
        version = cache.get(version_key)
    cached = found.get(count_key)
    if cached is not None and cached[0] == version:
        return cached[1]
    count = unread_count(user=user)
    cache.set(count_key, (version, count), TIMEOUT_SECONDS)
    return count


def badge_changed(user_ids: Iterable[int]) -> None:
    """Forget these users' cached counts, once the current transaction commits.

    For writes that send no model signal (bulk_create, update); saves and deletes are seen
    by the receiver below.
    """
    keys = {_version_key(user_id) for user_id in user_ids}
    if keys:
        transaction.on_commit(
            lambda: cache.set_many(dict.fromkeys(keys, uuid.uuid4().hex), TIMEOUT_SECONDS)
        )


@receiver(pre_save, sender=Notification)
def _notification_moving(instance, update_fields=None, **kwargs):
    # A notification handed to another user lowers the first user's count too.
    if instance.pk is None or (update_fields is not None and "recipient" not in update_fields):
        return
    before = Notification.objects.filter(pk=instance.pk).values_list("recipient_id", flat=True)
    badge_changed(user_id for user_id in before if user_id != instance.recipient_id)


@receiver([post_save, post_delete], sender=Notification)
def _notification_changed(instance, **kwargs):
    badge_changed([instance.recipient_id])

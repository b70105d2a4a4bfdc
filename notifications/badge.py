"""The header's unread count, cached per user until one of their notifications changes.

Every logged-in page shows the badge, and notifications change far less often than pages are
viewed. Each user has a version (see core.versioned_cache); a cached count is used only
under the version it was counted under, and any change to the user's notifications sets a new
one once it commits.
"""

from collections.abc import Iterable

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from core import versioned_cache
from core.versioned_cache import Version
from notifications.models import Notification
from notifications.selectors import unread_count

TIMEOUT_SECONDS = 24 * 60 * 60


def _version(user_id: int) -> Version:
    return Version(f"notifications:badge-version:{user_id}", TIMEOUT_SECONDS)


def _entry(user_id: int) -> dict[str, tuple[Version]]:
    return {f"notifications:badge:{user_id}": (_version(user_id),)}


def badge_count(*, user) -> int:
    """`user`'s unread notifications: from the cache, or one indexed COUNT."""
    wanted = _entry(user.pk)
    [(key, versions)] = wanted.items()
    current, found = versioned_cache.read(wanted)
    if key in found:
        return found[key]
    count = unread_count(user=user)
    versioned_cache.write({key: count}, versions, current, TIMEOUT_SECONDS)
    return count


def badge_changed(user_ids: Iterable[int]) -> None:
    """Forget these users' cached counts, once the current transaction commits.

    For writes that send no model signal (bulk_create, update); saves and deletes are seen
    by the receiver below.
    """
    versioned_cache.changed(_version(user_id) for user_id in user_ids)


@receiver(pre_save, sender=Notification)
def _notification_moving(instance, update_fields=None, **kwargs):
    # A notification handed to another user lowers the first user's count too.
    before = versioned_cache.stored_before_save(
        instance, "recipient", "recipient_id", update_fields
    )
    badge_changed(user_id for user_id in before if user_id != instance.recipient_id)


@receiver([post_save, post_delete], sender=Notification)
def _notification_changed(instance, **kwargs):
    badge_changed([instance.recipient_id])

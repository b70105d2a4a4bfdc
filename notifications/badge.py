"""The header's unread count, cached per user until one of their notifications changes.

Every logged-in page shows the badge, and notifications change far less often than pages are
viewed. Each user has a version (see edusphere.versioned_cache); a cached count is used only
under the version it was counted under, and any change to the user's notifications sets a new
one once it commits.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.user_cache import read_with_user
from edusphere import versioned_cache
from edusphere.versioned_cache import Version
from notifications.models import Notification
from notifications.selectors import unread_count

TIMEOUT_SECONDS = 24 * 60 * 60


def _version(user_id: int) -> Version:
    return Version(f"notifications:badge-version:{user_id}", TIMEOUT_SECONDS)


def _entry(user_id: int) -> dict[str, tuple[Version]]:
    return {f"notifications:badge:{user_id}": (_version(user_id),)}


read_with_user(_entry)  # every logged-in page shows the badge


# When this process last changed each user's notifications (monotonic ns): a count read with
# the user as a request began is not used once the request (or any other here) has changed
# them since, as a page that notifies its own reader and renders at once would have. The
# oldest marks go first beyond a bound; requests run in several threads.
_changed_here: OrderedDict[int, int] = OrderedDict()
_changed_here_lock = threading.Lock()
_CHANGED_HERE_KEPT = 10_000


def _mark_changed_here(user_ids: set[int]) -> None:
    now = time.monotonic_ns()
    with _changed_here_lock:
        for user_id in user_ids:
            _changed_here[user_id] = now
            _changed_here.move_to_end(user_id)
        while len(_changed_here) > _CHANGED_HERE_KEPT:
            _changed_here.popitem(last=False)


def badge_count(*, user, read=None) -> int:
    """`user`'s unread notifications: from the cache, or one indexed COUNT.

    `read`: what was read with the user as the request began (`user.cached_reads`), used
    unless this process has changed the user's notifications since.
    """
    wanted = _entry(user.pk)
    [(key, versions)] = wanted.items()
    if (
        read is not None
        and versions[0] in read.versions
        and _changed_here.get(user.pk, -1) < read.read_at
    ):
        current, found = read.versions, read.values
    else:
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
    user_ids = set(user_ids)
    if not user_ids:
        return

    def committed():
        versioned_cache.renew(_version(user_id) for user_id in user_ids)
        _mark_changed_here(user_ids)

    transaction.on_commit(committed, robust=True)  # see versioned_cache.changed


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

"""The header's unread count, cached per user until one of their notifications changes.

Every logged-in page shows the badge, and notifications change far less often than pages are
viewed. A cached count is valid under the user's notifications version
(notifications.models.NOTIFICATION_VERSIONS), which every change to their notifications
moves once it commits.
"""

from core import cache
from notifications.models import NOTIFICATION_VERSIONS
from notifications.selectors import unread_count

UNREAD_COUNT = cache.Kind(
    "unread-count",
    shape="int",
    versions=lambda user_id: [NOTIFICATION_VERSIONS.of(user_id)],
    # Without Redis each process caches for itself, and the background worker, which
    # delivers announcements, cannot reach the server's copy: this bounds how long it lags.
    # With Redis the count changes at once either way; a recount is one indexed COUNT.
    timeout=60,
)


def badge_count(*, user) -> int:
    """`user`'s unread notifications: from the cache, or one indexed COUNT."""
    return cache.get(UNREAD_COUNT(user.pk), lambda: unread_count(user=user))

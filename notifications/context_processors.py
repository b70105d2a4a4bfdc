from functools import cache

from notifications.badge import badge_count


def unread_notifications(request):
    """The header badge: cached per user (see badge.py), and read only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    # Templates call a callable each time they read it; cache() makes that one lookup.
    @cache
    def count():
        return badge_count(user=user)

    return {"unread_notification_count": count}

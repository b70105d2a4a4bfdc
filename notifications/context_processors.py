from functools import cache

from notifications.badge import badge_count


def unread_notifications(request):
    """The header badge: cached per user (see badge.py), and read only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    # Read with the user at the start of the request, unless the request may have changed
    # the user's notifications since (a POST that renders a page instead of redirecting).
    read = getattr(user, "cached_reads", None) if request.method in ("GET", "HEAD") else None

    # Templates call a callable each time they read it; cache() makes that one lookup.
    @cache
    def count():
        return badge_count(user=user, read=read)

    return {"unread_notification_count": count}

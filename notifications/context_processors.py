from functools import cache

from notifications.selectors import unread_count


def unread_notifications(request):
    """The header badge: one cheap, indexed count, computed once and only if a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    # Templates call a callable each time they read it; cache() makes that one query.
    @cache
    def count():
        return unread_count(user=user)

    return {"unread_notification_count": count}

from notifications.models import Notification


def unread_notifications(request):
    """The header badge: one cheap, indexed count, computed only when a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"unread_notification_count": count}

"""Open sockets follow their sessions: a logout closes that session's sockets, and a changed
password or active flag has every socket of the user re-validate its session.

Connected in NotificationsConfig.ready(). The user model is named by AUTH_USER_MODEL, since
notifications sits below accounts. A `post_save` of the user is the one hook that every path
goes through (allauth's password change and reset, the admin's password form and its
"active" box, a shell); `QuerySet.update()` sends no signal, and for it, as for a lost
event, each socket's own periodic re-check (NOTIFICATIONS_SOCKET_RECHECK_SECONDS) remains.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save

from notifications.services import live_session_end, live_sessions_check

# The fields a session's validity depends on: the session auth hash is made from the password.
AUTH_FIELDS = frozenset({"password", "is_active"})


def session_logged_out(sender, request, user, **kwargs) -> None:
    # Sent before the session is flushed: its key still names it.
    session = getattr(request, "session", None)
    if user is None or session is None or not session.session_key:
        return
    live_session_end(user_id=user.pk, session_key=session.session_key)


def user_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    if created or raw:
        return
    if update_fields is not None and not AUTH_FIELDS.intersection(update_fields):
        return  # e.g. last_login at every login
    live_sessions_check(user_id=instance.pk)


def connect() -> None:
    user_logged_out.connect(session_logged_out, dispatch_uid="notifications.session_logged_out")
    post_save.connect(
        user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="notifications.user_saved"
    )

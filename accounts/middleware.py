from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class RequireAdminTwoFactorMiddleware:
    """With MFA_REQUIRED_FOR_ADMINS, an admin without two-factor authentication is sent to
    set it up before anything else: admins move money (refunds) and roles.

    The two-factor pages themselves, logout, re-authentication, the email pages (allauth
    sets up an authenticator only once every address is verified), an email's unsubscribe
    link (its signed token is its credential, not the session) and static files stay open.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.MFA_REQUIRED_FOR_ADMINS and self._must_set_up(request):
            text = _("Admins must set up two-factor authentication before going on.")
            queued = messages.get_messages(request)
            if text not in (str(message) for message in queued):
                messages.warning(request, text)
            queued.used = False  # looked at, not shown: they stay for the next page
            return redirect("mfa_index")  # an authenticator app or a security key
        return self.get_response(request)

    @staticmethod
    def _must_set_up(request) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_admin):
            return False
        open_paths = (
            reverse("mfa_index"),
            reverse("account_logout"),
            reverse("account_reauthenticate"),
            reverse("account_email"),
            reverse("account_email_verification_sent"),
            reverse("account_confirm_email", args=["-"])[:-2],  # its prefix
            reverse("notifications:unsubscribe", args=["-"])[:-2],  # its prefix
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else f"/{settings.STATIC_URL}",
        )
        # request.path, like reverse(), includes the mount point (FORCE_SCRIPT_NAME).
        if request.path.startswith(open_paths):
            return False
        return must_set_up_two_factor(user)


def must_set_up_two_factor(user) -> bool:
    """Whether MFA_REQUIRED_FOR_ADMINS keeps `user` out until they set up two-factor: pages
    (RequireAdminTwoFactorMiddleware) and the notification socket (accounts.sockets)."""
    if not (settings.MFA_REQUIRED_FOR_ADMINS and user.is_authenticated and user.is_admin):
        return False
    # Recovery codes alone are no second factor: allauth asks for one at login only when
    # the user has an app or a key, so an admin left with codes (their authenticator
    # deleted by another admin) must set one up again.
    return not is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])

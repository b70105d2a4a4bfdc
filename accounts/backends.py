"""Authentication backends that load the logged-in user from the cache (see user_cache)."""

from allauth.account import auth_backends as allauth_backends
from asgiref.sync import sync_to_async
from django.contrib.auth import backends as django_backends

from accounts.user_cache import cached_user


class CachedUserMixin:
    def get_user(self, user_id):
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):  # request.auser(), async views and middleware
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(CachedUserMixin, django_backends.ModelBackend):
    """Django's backend (logins by email and password, the admin, force_login)."""


class AuthenticationBackend(CachedUserMixin, allauth_backends.AuthenticationBackend):
    """django-allauth's backend (its login and sign-up forms)."""

"""Authentication backends that read the logged-in user from the cache.

Django's session authentication loads the user's row on every request; it changes far less
often (a login, a profile or password change, a new role, deactivation). The cached row is
valid under the user's version (accounts.models.USER_VERSIONS), which every change to the
row moves once it commits: a deactivated account or a changed password ends the user's
sessions on their next request, as with a database read. The row includes the password
hash, which Django checks the session against; sessions live in the same cache, so it is
guarded at least as well as the hashes need.
"""

from allauth.account import auth_backends as allauth_backends
from asgiref.sync import sync_to_async
from django.contrib.auth import backends as django_backends

from accounts.models import USER_VERSIONS, User
from core import cache

# Short: bounds what an entry costs the cache's memory for users who left.
USER_TIMEOUT_SECONDS = 10 * 60
USER_ROW = cache.Kind(
    "user",
    shape=User,
    versions=lambda user_id: [USER_VERSIONS.of(user_id)],
    timeout=USER_TIMEOUT_SECONDS,
)


def cached_user(user_id) -> User | None:
    """The user with primary key `user_id`, or None: from the cache, or one query.

    Unknown ids are not cached (None never is): they must not fill the cache.
    """
    user_id = User._meta.pk.to_python(user_id)
    return cache.get(USER_ROW(user_id), lambda: User._default_manager.filter(pk=user_id).first())


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

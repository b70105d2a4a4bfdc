"""The logged-in user, read from the cache instead of the database on every request.

Django's session authentication loads the user's row on every request; it changes far less
often (a login, a profile or password change, a new role, deactivation). Each user has a
version (see core.versioned_cache) that every save or delete of the row changes once it
commits, and a cached row is used only under the version it was read under: a deactivated
account or a changed password ends the user's sessions on their next request, as with a
database read. Writes that send no model signal (`update()`) call `users_changed()`
themselves.

Only with a cache shared by every process (Redis: PER_USER_CACHES), which then also holds the
sessions themselves. The cached row includes the password hash, which Django needs to check
the session against; sessions are bearer credentials, so that cache is guarded at least as
well as the hashes need.
"""

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core import versioned_cache
from core.versioned_cache import Version

VERSION_TIMEOUT_SECONDS = 24 * 60 * 60
# Short: should a change fail to reach the cache (Redis unreachable as it commits), a cached
# row outlives it by no more than this.
ENTRY_TIMEOUT_SECONDS = 10 * 60

UserEntries = Callable[[int], Mapping[str, Sequence[Version]]]
# Other apps' per-user entries (the header's unread count): every logged-in page needs them
# right after the user, so they come in the same round trip.
_read_with_user: list[UserEntries] = []


@dataclass(frozen=True, slots=True)
class CachedReads:
    """What was read along with a user (see read_with_user), as versioned_cache.read() gave it."""

    versions: dict[Version, int]
    values: dict[str, Any]
    read_at: int  # time.monotonic_ns()

    def still_current(self, versions) -> bool:
        """Whether what was read under `versions` may still be used in this request."""
        return all(version in self.versions for version in versions) and not (
            versioned_cache.renewed_here_since(versions, self.read_at)
        )


def read_with_user(entries: UserEntries) -> None:
    """Have `entries(user_id)` (cache keys and their versions) read along with each user.

    What was read is on the user as `cached_reads` (CachedReads) for the rest of the request.
    """
    _read_with_user.append(entries)


def _version(user_id: int) -> Version:
    return Version(f"accounts:user-version:{user_id}", VERSION_TIMEOUT_SECONDS)


def cached_user(user_id):
    """The user with primary key `user_id`, or None: from the cache, or one query.

    Always the query when the cache is not shared by every process (PER_USER_CACHES).
    """
    User = get_user_model()
    user_id = User._meta.pk.to_python(user_id)
    if not settings.PER_USER_CACHES:
        return User._default_manager.filter(pk=user_id).first()
    versions, key = (_version(user_id),), f"accounts:user:{user_id}"
    wanted = {key: versions}
    for entries in _read_with_user:
        wanted.update(entries(user_id))
    read_at = time.monotonic_ns()
    current, found = versioned_cache.read(wanted)
    user = found.get(key)
    if user is None:
        user = User._default_manager.filter(pk=user_id).first()
        if user is None:
            return None  # unknown ids are not kept: they must not fill the cache
        versioned_cache.write({key: user}, versions, current, ENTRY_TIMEOUT_SECONDS)
    user.cached_reads = CachedReads(current, found, read_at)
    return user


def users_changed(user_ids: Iterable[int]) -> None:
    """Forget these users' cached rows, once the current transaction commits."""
    versioned_cache.changed(_version(user_id) for user_id in user_ids)


@receiver([post_save, post_delete], sender=get_user_model())
def _user_changed(instance, **kwargs):
    users_changed([instance.pk])

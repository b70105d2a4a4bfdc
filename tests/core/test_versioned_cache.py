"""Entries read back only under the versions they were built under (core.versioned_cache)."""

import time

import pytest
from django.core.cache import cache

from core import versioned_cache
from core.versioned_cache import Version

pytestmark = pytest.mark.django_db

CONTENT = Version("test:content")
USER = Version("test:user", timeout=60)


def _store(key, value, versions):
    current, _found = versioned_cache.read({key: versions})
    versioned_cache.write({key: value}, versions, current, 60)


def _get(key, versions):
    return versioned_cache.read({key: versions})[1].get(key)


def test_an_entry_is_read_back_under_the_versions_it_was_built_under():
    _store("entry", {"a": 1}, (CONTENT, USER))
    assert _get("entry", (CONTENT, USER)) == {"a": 1}
    assert _get("missing", (CONTENT,)) is None


@pytest.mark.parametrize("changed", [CONTENT, USER])
def test_a_change_to_any_of_its_versions_retires_an_entry(
    changed, django_capture_on_commit_callbacks
):
    _store("entry", "old", (CONTENT, USER))
    _store("other", "kept", (CONTENT,) if changed is USER else (USER,))
    with django_capture_on_commit_callbacks(execute=True):
        versioned_cache.changed([changed])
    assert _get("entry", (CONTENT, USER)) is None
    assert _get("other", (CONTENT,) if changed is USER else (USER,)) == "kept"


def test_a_change_waits_for_the_commit(django_capture_on_commit_callbacks):
    _store("entry", "old", (USER,))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        versioned_cache.changed([USER])
        # Readers see the committed data until the commit: nothing built from rows that may
        # still roll back is filed under a new version.
        assert _get("entry", (USER,)) == "old"
    for callback in callbacks:
        callback()
    assert _get("entry", (USER,)) is None


def test_a_lost_version_never_brings_back_older_entries(django_capture_on_commit_callbacks):
    _store("entry", "first", (CONTENT,))
    first = cache.get(CONTENT.key)
    with django_capture_on_commit_callbacks(execute=True):
        versioned_cache.changed([CONTENT])
    cache.delete(CONTENT.key)  # evicted, or Redis restarted with part of its keys
    assert _get("entry", (CONTENT,)) is None
    assert cache.get(CONTENT.key) not in (None, first)


def _seconds_to_live(key) -> float | None:
    """None: kept until evicted. Django's cache API has no such read: each backend's own."""
    if hasattr(cache, "_expire_info"):  # the local-memory cache
        expiry = cache._expire_info[cache.make_and_validate_key(key)]
        return None if expiry is None else expiry - time.time()
    ttl = cache._cache.get_client(key).ttl(cache.make_and_validate_key(key))
    return None if ttl == -1 else ttl


def test_versions_keep_their_own_timeouts(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        versioned_cache.changed([CONTENT, USER])
    assert _seconds_to_live(CONTENT.key) is None
    assert 0 < _seconds_to_live(USER.key) <= 60
    cache.clear()
    versioned_cache.read({"entry": (CONTENT, USER)})  # versions set on first read
    assert _seconds_to_live(CONTENT.key) is None
    assert 0 < _seconds_to_live(USER.key) <= 60


def test_a_change_the_cache_cannot_take_is_logged_and_the_rest_of_the_commit_goes_on(
    django_capture_on_commit_callbacks, caplog
):
    from unittest import mock

    from django.core.cache import caches
    from django.db import transaction

    after = []
    backend = type(caches["default"])
    down = mock.patch.object(backend, "set_many", side_effect=ConnectionError("cache down"))
    with down, django_capture_on_commit_callbacks(execute=True):
        versioned_cache.changed([USER])
        transaction.on_commit(lambda: after.append("ran"))
    assert after == ["ran"]
    assert "cache down" in caplog.text


def test_per_user_caches_without_a_shared_cache_are_reported(settings):
    from accounts.checks import per_user_caches_need_a_shared_cache

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    settings.PER_USER_CACHES = True
    [warning] = per_user_caches_need_a_shared_cache(None)
    assert warning.id == "accounts.W001"
    settings.PER_USER_CACHES = False
    assert per_user_caches_need_a_shared_cache(None) == []


def test_this_process_remembers_when_it_changed_a_version(django_capture_on_commit_callbacks):
    before = time.monotonic_ns()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        versioned_cache.changed([USER])
    assert not versioned_cache.renewed_here_since([USER], before)  # not before the commit
    for callback in callbacks:
        callback()
    assert versioned_cache.renewed_here_since([USER], before)
    assert not versioned_cache.renewed_here_since([CONTENT], before)
    assert not versioned_cache.renewed_here_since([USER], time.monotonic_ns())

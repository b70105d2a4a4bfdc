"""Sessions in the shared cache, written through to the database (core.sessions)."""

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("save", ["sync", "async"])
def test_a_new_session_key_is_stored_in_the_database_only(save):
    # Cached, the empty first value would be what other processes read should the save that
    # follows (a login) not reach the cache.
    store = SessionStore()
    if save == "sync":
        store.create()
    else:
        async_to_sync(store.acreate)()
    assert Session.objects.filter(session_key=store.session_key).exists()
    assert cache.get(store.cache_key) is None

    store[SESSION_KEY] = "42"
    store.save()
    assert cache.get(store.cache_key) == {SESSION_KEY: "42"}


def test_a_session_read_from_the_database_is_cached_for_the_next_read():
    store = SessionStore()
    store[SESSION_KEY] = "42"
    store.save()
    cache.delete(store.cache_key)

    assert SessionStore(store.session_key).load() == {SESSION_KEY: "42"}
    assert cache.get(store.cache_key) == {SESSION_KEY: "42"}

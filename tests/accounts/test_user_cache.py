"""The logged-in user comes from the cache, and every change to the account shows at once.

Each test first lets a request cache the user's row, then changes the account the way the
site does, commits, and checks the next request: above all that a deactivated account, a
changed password or a deleted user ends the session at once.
"""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import USER_ROW, cached_user
from accounts.models import Role, User
from accounts.services import user_active_set, user_role_set
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
TEACH = reverse("teach:course_list")


def _user_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "accounts_user"' in q["sql"]]


@pytest.fixture
def logged_in(client, student):
    client.force_login(student)
    assert client.get(PROFILE).status_code == 200  # the row is cached from here on
    return client


def _is_logged_out(client) -> bool:
    response = client.get(PROFILE)
    return response.status_code == 302 and reverse("account_login") in response.url


def test_requests_read_no_user_row_once_cached(logged_in, student):
    with CaptureQueriesContext(connection) as queries:
        html = logged_in.get(PROFILE).content.decode()
    assert _user_reads(queries) == []
    assert student.email in html


def test_logins_through_the_site_record_the_caching_backend(client, student):
    response = client.post(reverse("account_login"), {"login": student.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] in {
        "accounts.backends.ModelBackend",
        "accounts.backends.AuthenticationBackend",
    }
    assert client.get(PROFILE).status_code == 200


def test_a_deactivated_account_is_logged_out_at_once(logged_in, student, admin_user, committed):
    with committed():
        user_active_set(actor=admin_user, user=student, is_active=False)
    assert _is_logged_out(logged_in)


def test_a_changed_password_ends_other_sessions_at_once(logged_in, student, committed):
    with committed():
        student.set_password("another-long-passphrase")
        student.save()
    assert _is_logged_out(logged_in)


def test_a_deleted_user_is_logged_out_at_once(logged_in, student, committed):
    with committed():
        student.delete()
    assert _is_logged_out(logged_in)


def test_a_new_role_shows_at_once(logged_in, student, admin_user, committed):
    assert logged_in.get(TEACH).status_code == 403
    with committed():
        user_role_set(actor=admin_user, user=student, role=Role.INSTRUCTOR)
    assert logged_in.get(TEACH).status_code == 200
    assert f'href="{TEACH}"' in logged_in.get(PROFILE).content.decode()


def test_a_changed_name_shows_at_once(logged_in, student, committed):
    with committed():
        student.name = "Ada Lovelace"
        student.save()
    assert "</span>Ada Lovelace</summary>" in logged_in.get(PROFILE).content.decode()


def test_a_bulk_update_shows_at_once(logged_in, student, committed):
    # The model's queryset moves the version: no call to remember after an update().
    with committed():
        User.objects.filter(pk=student.pk).update(is_active=False)
    assert _is_logged_out(logged_in)


def test_unknown_users_are_none_and_not_kept(rf):
    from django.core.cache import cache

    assert cached_user("987654") is None
    assert not cache.has_key(USER_ROW(987654).key)
    request = rf.get("/")
    request.session = {
        "_auth_user_id": "987654",
        BACKEND_SESSION_KEY: "accounts.backends.ModelBackend",
    }
    assert not get_user(request).is_authenticated


@pytest.mark.django_db(transaction=True)  # async code reads on a connection of its own
def test_async_requests_get_the_cached_user_and_never_an_inactive_one(logged_in, student):
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import async_to_sync
    from django.db import connections

    from accounts.backends import ModelBackend

    def aget_user():
        # In a thread of its own: once a browser test has run, Playwright holds an event
        # loop in the main thread, where async_to_sync refuses to start.
        def in_thread():
            try:
                with CaptureQueriesContext(connections["default"]) as queries:
                    return async_to_sync(ModelBackend().aget_user)(student.pk), queries
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(in_thread).result()

    user, queries = aget_user()
    assert user == student
    assert _user_reads(queries) == []  # from the cache the logged-in request filled
    student.is_active = False
    student.save()  # committed at once: this test's writes are real transactions
    assert aget_user()[0] is None

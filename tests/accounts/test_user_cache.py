"""The logged-in user comes from the cache, and every change to the account shows at once.

Each test first lets a request cache the user's row, then changes the account the way the
site does, and checks the next request: above all that a deactivated account, a changed
password or a deleted user ends the session at once.
"""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import user_active_set, user_role_set
from accounts.user_cache import cached_user

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


def test_sessions_record_the_caching_backends(logged_in):
    assert logged_in.session[BACKEND_SESSION_KEY].startswith("accounts.backends.")


def test_a_deactivated_account_is_logged_out_at_once(logged_in, student, admin_user):
    user_active_set(actor=admin_user, user=student, is_active=False)
    assert _is_logged_out(logged_in)


def test_a_changed_password_ends_other_sessions_at_once(logged_in, student):
    student.set_password("another-long-passphrase")
    student.save()
    assert _is_logged_out(logged_in)


def test_a_deleted_user_is_logged_out_at_once(logged_in, student):
    student.delete()
    assert _is_logged_out(logged_in)


def test_a_new_role_shows_at_once(logged_in, student, admin_user):
    assert logged_in.get(TEACH).status_code == 403
    user_role_set(actor=admin_user, user=student, role=Role.INSTRUCTOR)
    assert logged_in.get(TEACH).status_code == 200
    assert f'href="{TEACH}"' in logged_in.get(PROFILE).content.decode()


def test_a_changed_name_shows_at_once(logged_in, student):
    student.name = "Ada Lovelace"
    student.save()
    assert ">Ada Lovelace</a>" in logged_in.get(PROFILE).content.decode()


def test_a_bulk_update_that_tells_the_cache_shows_at_once(logged_in, student):
    from accounts.user_cache import users_changed

    User.objects.filter(pk=student.pk).update(is_active=False)
    users_changed([student.pk])
    assert _is_logged_out(logged_in)


def test_unknown_users_are_none_and_not_kept(rf):
    from django.core.cache import cache

    assert cached_user("987654") is None
    assert not cache.has_key("accounts:user:987654")
    request = rf.get("/")
    request.session = {
        "_auth_user_id": "987654",
        BACKEND_SESSION_KEY: "accounts.backends.ModelBackend",
    }
    assert not get_user(request).is_authenticated

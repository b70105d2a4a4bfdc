"""A NUL byte anywhere a parameter can carry one is a 400, never a 500 from the database."""

import pytest

from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

NUL_BYTE_REQUESTS = [
    ("get", "/courses/?q=%00"),
    ("get", "/courses/?q=python&%00=1"),
    ("get", "/courses/%00/"),
    ("get", "/admin/payments/order/?status__exact=%00"),
    ("get", "/admin/accounts/user/?q=a%00b"),
]


@pytest.mark.parametrize(("method", "url"), NUL_BYTE_REQUESTS)
def test_a_nul_byte_in_the_path_or_query_is_a_bad_request(client, method, url):
    client.force_login(AdminFactory())

    response = getattr(client, method)(url)

    assert response.status_code == 400
    assert b"NUL byte" in response.content


def test_a_nul_byte_in_a_submitted_form_is_a_bad_request(client):
    response = client.post("/accounts/login/", {"login": "a\x00@example.com", "password": "x"})

    assert response.status_code == 400


def test_requests_without_one_pass(client):
    client.force_login(AdminFactory())

    assert client.get("/courses/?q=python").status_code == 200
    assert client.get("/admin/payments/order/?status__exact=paid").status_code == 200

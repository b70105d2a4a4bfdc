"""Security keys (WebAuthn) as a second factor, beside the authenticator app.

The ceremonies (adding a key, signing in with it after the password) run in Chromium with
a virtual authenticator (test_security_keys_browser.py): they need a real credential. Here,
what the site decides around them: who may see, rename or remove a key, and that a key
counts as two-factor for the admins who must have it.
"""

import json
import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.factories import PASSWORD, AdminFactory, InstructorFactory

pytestmark = pytest.mark.django_db


def security_key(user, name="Desk key") -> Authenticator:
    # What allauth stores for a key; the credential is only read when signing in with it.
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": {}}
    )


def key_url(name: str, key: Authenticator) -> str:
    return reverse(name, kwargs={"pk": key.pk})


@pytest.fixture
def reauthenticated(client):
    """`client` logged in as `user`, having just confirmed their password."""

    def log_in(user):
        client.force_login(user)
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        return client

    return log_in


def test_the_two_factor_page_offers_a_security_key(client):
    client.force_login(InstructorFactory())
    html = client.get(reverse("mfa_index")).content.decode()
    assert reverse("mfa_add_webauthn") in html


def test_adding_a_key_asks_for_the_password_first(client):
    client.force_login(InstructorFactory())
    response = client.get(reverse("mfa_add_webauthn"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_a_user_sees_renames_and_removes_their_own_key(reauthenticated):
    owner = InstructorFactory()
    key = security_key(owner)
    client = reauthenticated(owner)
    assert "Desk key" in client.get(reverse("mfa_list_webauthn")).content.decode()
    response = client.post(key_url("mfa_edit_webauthn", key), {"name": "Travel key"})
    assert response.status_code == 302
    assert Authenticator.objects.get(pk=key.pk).wrap().name == "Travel key"
    assert client.post(key_url("mfa_remove_webauthn", key)).status_code == 302
    assert not Authenticator.objects.filter(pk=key.pk).exists()


def test_another_users_key_is_out_of_reach(reauthenticated):
    key = security_key(InstructorFactory())
    client = reauthenticated(InstructorFactory())
    assert "Desk key" not in client.get(reverse("mfa_list_webauthn")).content.decode()
    for name in ("mfa_edit_webauthn", "mfa_remove_webauthn"):
        assert client.get(key_url(name, key)).status_code == 404
        assert client.post(key_url(name, key), {"name": "Mine now"}).status_code == 404
    assert Authenticator.objects.get(pk=key.pk).wrap().name == "Desk key"


def test_an_admin_with_a_security_key_only_gets_in_when_two_factor_is_required(client, settings):
    settings.MFA_REQUIRED_FOR_ADMINS = True
    admin = AdminFactory()
    client.force_login(admin)
    assert client.get("/admin/")["Location"] == reverse("mfa_index")
    security_key(admin)
    assert client.get("/admin/").status_code == 200


def test_recovery_codes_alone_do_not_count_as_two_factor(client, settings):
    # An admin whose app or key another admin deleted keeps their codes, and allauth asks
    # for a second factor at login only when there is an app or a key.
    settings.MFA_REQUIRED_FOR_ADMINS = True
    admin = AdminFactory()
    Authenticator.objects.create(
        user=admin, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00" * 20}
    )
    client.force_login(admin)
    assert client.get("/admin/")["Location"] == reverse("mfa_index")


def test_the_login_page_offers_a_passkey(client):
    html = client.get(reverse("account_login")).content.decode()
    # Hidden until its script finds WebAuthn: without scripts it would do nothing.
    button = re.search(r'<button[^>]*id="passkey_login"[^>]*>', html)
    assert button is not None and re.search(r"\shidden[\s>]", button.group(0))
    assert f'action="{reverse("mfa_login_webauthn")}"' in html


def test_the_login_page_offers_no_passkey_when_passkey_login_is_off(client, settings):
    settings.MFA_PASSKEY_LOGIN_ENABLED = False
    assert 'id="passkey_login"' not in client.get(reverse("account_login")).content.decode()


def test_passkey_logins_are_limited_per_address(client):
    # Each try costs the server a signature check; ten a minute from one address.
    url = reverse("mfa_login_webauthn")
    for _ in range(10):
        assert client.post(url, {"credential": "{}"}).status_code == 302
    assert client.post(url, {"credential": "{}"}).status_code == 429
    other_address = client.post(url, {"credential": "{}"}, REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 302


def test_a_forged_passkey_signs_no_one_in(client):
    owner = InstructorFactory()
    security_key(owner)
    forged = {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {"clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA"},
    }
    for credential in ('"not a credential"', "{}", json.dumps(forged), "{"):
        response = client.post(reverse("mfa_login_webauthn"), {"credential": credential})
        assert response.status_code == 302
        assert response["Location"] == reverse("account_login")
        assert "_auth_user_id" not in client.session

"""The admin's login is the site's login: its rate limits, keyed so a stranger cannot lock an
account out, and two-factor authentication (allauth.mfa), which admins must set up when
MFA_REQUIRED_FOR_ADMINS is on."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, AdminFactory, InstructorFactory, StudentFactory


def client_at(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def log_in(client, email, password=PASSWORD, next_url=None):
    url = reverse("account_login")
    if next_url:
        url = f"{url}?next={next_url}"
    return client.post(url, {"login": email, "password": password})


def is_logged_in(client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


# The admin's own login form is gone.


@pytest.mark.django_db
def test_admin_login_page_sends_visitors_to_the_sites_login():
    response = client_at("10.0.0.1").get("/admin/login/?next=/admin/payments/order/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpayments%2Forder%2F"


@pytest.mark.django_db
def test_posting_the_right_password_to_the_admin_login_does_not_sign_in():
    admin = AdminFactory()
    client = client_at("10.0.0.1")
    response = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_an_admin_signs_in_to_the_admin_through_the_sites_login():
    admin = AdminFactory()
    client = client_at("10.0.0.1")
    response = log_in(client, admin.email, next_url="/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [StudentFactory, InstructorFactory])
def test_signed_in_non_admins_are_refused_by_the_admin_login(factory):
    client = client_at("10.0.0.1")
    client.force_login(factory())
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/").status_code == 302


# Failed logins: limited per address and per account-and-address.


@pytest.mark.django_db
def test_five_failures_lock_the_account_for_that_address_only():
    admin = AdminFactory()
    attacker = client_at("203.0.113.9")
    for _ in range(5):
        log_in(attacker, admin.email, password="wrong")
    locked = log_in(attacker, admin.email)
    assert "Too many failed login attempts" in locked.content.decode()
    assert not is_logged_in(attacker)
    # The owner, elsewhere, still gets in with the right password.
    owner = client_at("198.51.100.7")
    assert log_in(owner, admin.email, next_url="/admin/").status_code == 302
    assert owner.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_one_address_trying_many_accounts_is_stopped_by_the_per_address_limit():
    users = [StudentFactory() for _ in range(11)]
    attacker = client_at("203.0.113.9")
    # Two failures per account never reach the per-account-and-address limit of five ...
    for user in users[:5]:
        for _ in range(2):
            log_in(attacker, user.email, password="wrong")
    # ... but ten failures from one address within a minute stop that address.
    response = log_in(attacker, users[10].email)
    assert "Too many failed login attempts" in response.content.decode()
    assert not is_logged_in(attacker)
    assert log_in(client_at("198.51.100.7"), users[10].email).status_code == 302


@pytest.mark.django_db
def test_a_successful_login_does_not_reset_the_failure_count():
    admin = AdminFactory()
    client = client_at("203.0.113.9")
    for _ in range(4):
        log_in(client, admin.email, password="wrong")
    assert log_in(client, admin.email).status_code == 302
    client.post(reverse("account_logout"))
    log_in(client, admin.email, password="wrong")
    assert "Too many failed login attempts" in log_in(client, admin.email).content.decode()


# Two-factor authentication.


@pytest.mark.django_db
def test_with_an_authenticator_the_password_alone_does_not_sign_in():
    admin = AdminFactory()
    secret = with_totp(admin)
    client = client_at("10.0.0.1")
    response = log_in(client, admin.email, next_url="/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert right.status_code == 302
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_recovery_code_signs_in_once():
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    instructor = InstructorFactory()
    with_totp(instructor)
    code = RecoveryCodes.activate(instructor).get_unused_codes()[0]
    first = client_at("10.0.0.1")
    log_in(first, instructor.email)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert is_logged_in(first)
    second = client_at("10.0.0.1")
    log_in(second, instructor.email)
    assert second.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert not is_logged_in(second)


@pytest.mark.django_db
def test_staff_set_up_an_authenticator_app_from_their_profile():
    instructor = InstructorFactory()
    client = client_at("10.0.0.1")
    log_in(client, instructor.email)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("mfa_index") in profile
    # Setting it up asks for the password again first.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="site-header"' in html
    assert "style=" not in html and "<script>" not in html  # the site's CSP
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', html)
    secret = secret.group(1) if secret else client.session["mfa.totp.secret"]
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "123456"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=instructor).exists()
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=instructor, type=Authenticator.Type.TOTP).exists()
    # Recovery codes come with it.
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200
    assert Authenticator.objects.filter(
        user=instructor, type=Authenticator.Type.RECOVERY_CODES
    ).exists()


@pytest.mark.django_db
def test_when_required_an_admin_without_two_factor_is_sent_to_set_it_up(settings):
    settings.MFA_REQUIRED_FOR_ADMINS = True
    admin = AdminFactory()
    client = client_at("10.0.0.1")
    client.force_login(admin)
    for url in ["/admin/", "/admin/payments/order/", "/teach/", "/learn/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_index")
    # The set-up pages, re-authentication and logout stay open.
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(setup["Location"]).status_code == 200
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200


@pytest.mark.django_db
def test_when_required_an_admin_with_two_factor_gets_in(settings):
    settings.MFA_REQUIRED_FOR_ADMINS = True
    admin = AdminFactory()
    with_totp(admin)
    client = client_at("10.0.0.1")
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [StudentFactory, InstructorFactory])
def test_the_requirement_is_for_admins_only(settings, factory):
    settings.MFA_REQUIRED_FOR_ADMINS = True
    client = client_at("10.0.0.1")
    client.force_login(factory())
    assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.django_db
def test_when_not_required_an_admin_without_two_factor_gets_in(settings):
    settings.MFA_REQUIRED_FOR_ADMINS = False
    client = client_at("10.0.0.1")
    client.force_login(AdminFactory())
    assert client.get("/admin/").status_code == 200


def test_required_by_default_when_debug_is_off():
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.MFA_REQUIRED_FOR_ADMINS)"
    env = {
        "DJANGO_SETTINGS_MODULE": "edusphere.settings",
        "DEBUG": "False",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "edusphere.example.com",
        "PATH": "/usr/bin:/bin",
    }
    for debug, expected in [("False", "True"), ("True", "False")]:
        env["DEBUG"] = debug
        result = subprocess.run(  # noqa: S603 (our own interpreter and settings)
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.strip() == expected


@pytest.mark.django_db
def test_an_admin_with_a_pending_address_can_verify_it_before_setting_up(settings):
    # allauth adds an authenticator only once every address is verified: the email pages
    # stay open, or the admin could never get there.
    settings.MFA_REQUIRED_FOR_ADMINS = True
    admin = AdminFactory()
    EmailAddress.objects.create(user=admin, email="new@example.com", verified=False)
    client = client_at("10.0.0.1")
    client.force_login(admin)
    assert client.get(reverse("account_email")).status_code == 200
    assert client.get(reverse("account_email_verification_sent")).status_code == 200
    # A wrong key: allauth's own page, not the set-up redirect.
    response = client.get(reverse("account_confirm_email", args=["not-a-key"]))
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_set_up_reminder_is_shown_once(settings):
    settings.MFA_REQUIRED_FOR_ADMINS = True
    client = client_at("10.0.0.1")
    client.force_login(AdminFactory())
    for url in ["/admin/", "/teach/", "/learn/"]:
        client.get(url)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    html = client.get(reverse("mfa_index")).content.decode()
    assert html.count("Admins must set up two-factor authentication") == 1

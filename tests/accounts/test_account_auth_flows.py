"""Sign-up, login, logout, email verification and passwords through allauth, as users see them."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import Role, User
from tests.factories import PASSWORD, StudentFactory

NEW_PASSWORD = "another-long-passphrase-42"


def signup_data(**extra):
    return {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **extra,
    }


def is_logged_in(client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


def without_csrf(response) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


@pytest.mark.django_db
def test_signup_page_is_in_site_layout_and_asks_no_role(client):
    response = client.get(reverse("account_signup"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in html
    assert html.count("<h1") == 1
    for field in ("name", "email", "password1", "password2"):
        assert f'name="{field}"' in html
    assert 'name="role"' not in html
    assert 'name="is_staff"' not in html


@pytest.mark.django_db
def test_signup_makes_a_logged_in_student_and_sends_a_verification_email(client, mailoutbox):
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="ada@example.com")
    assert user.name == "Ada Lovelace"
    assert user.role == Role.STUDENT
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert is_logged_in(client)
    assert len(mailoutbox) == 1
    assert "ada@example.com" in mailoutbox[0].to


@pytest.mark.django_db
def test_signup_cannot_choose_a_role_or_staff_flags(client):
    client.post(
        reverse("account_signup"),
        signup_data(role="admin", is_staff="on", is_superuser="on", is_active="off"),
    )
    user = User.objects.get(email="ada@example.com")
    assert user.role == Role.STUDENT
    assert not user.is_staff
    assert not user.is_superuser
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_signup_with_mismatched_passwords_shows_an_error(client):
    response = client.post(reverse("account_signup"), signup_data(password2="something-else-1"))
    assert response.status_code == 200
    assert "same password" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_requires_a_name(client):
    response = client.post(reverse("account_signup"), signup_data(name=""))
    assert response.status_code == 200
    assert not User.objects.exists()


# Addresses Django's EmailValidator accepts that no email can be sent to: their domain has no
# IDNA form (an unencodable character; a label over 63 characters once encoded).
UNDELIVERABLE = ["ada@\ufffd.example", "ada@" + "\u00e9" * 63 + ".example"]


@pytest.mark.django_db
@pytest.mark.parametrize("email", UNDELIVERABLE)
def test_signup_with_an_address_no_email_can_reach_is_refused(client, mailoutbox, email):
    """Signing up with an address mail cannot be sent to is a form error, and no account."""
    response = client.post(reverse("account_signup"), signup_data(email=email))
    assert response.status_code == 200
    assert "No email can be sent to this address" in response.content.decode()
    assert not User.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("email", UNDELIVERABLE)
def test_password_reset_for_an_address_no_email_can_reach_is_refused(client, email):
    """A password reset for an address mail cannot be sent to is a form error."""
    response = client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 200
    assert "No email can be sent to this address" in response.content.decode()


@pytest.mark.django_db
def test_login_and_logout(client, student):
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    assert 'class="site-header"' in page.content.decode()

    response = client.post(reverse("account_login"), {"login": student.email, "password": PASSWORD})
    assert response.status_code == 302
    assert is_logged_in(client)

    # A GET only asks for confirmation; logging out takes a POST.
    assert client.get(reverse("account_logout")).status_code == 200
    assert is_logged_in(client)
    client.post(reverse("account_logout"))
    assert not is_logged_in(client)


@pytest.mark.django_db
def test_login_with_a_wrong_password_fails(client, student):
    response = client.post(reverse("account_login"), {"login": student.email, "password": "nope"})
    assert response.status_code == 200
    assert not is_logged_in(client)


@pytest.mark.django_db
def test_repeated_failed_logins_are_blocked_even_with_the_right_password(client, student):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": student.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": student.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not is_logged_in(client)


@pytest.mark.django_db
def test_mandatory_email_verification_blocks_login_until_confirmed(client, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_logged_in(client)

    client.post(reverse("account_login"), {"login": "ada@example.com", "password": NEW_PASSWORD})
    assert not is_logged_in(client)

    confirm_url = link_in(mailoutbox[-1])
    assert client.get(confirm_url).status_code == 200
    client.post(confirm_url)
    assert EmailAddress.objects.get(email="ada@example.com").verified

    client.post(reverse("account_login"), {"login": "ada@example.com", "password": NEW_PASSWORD})
    assert is_logged_in(client)


@pytest.mark.django_db
def test_password_reset_from_the_emailed_link(client, student, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": student.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1

    key_url = link_in(mailoutbox[0])
    # allauth moves the key into the session and redirects to a keyless URL.
    form_page = client.get(key_url, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302

    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)
    # The link works once only.
    assert "Bad Token" in client.get(key_url, follow=True).content.decode()


@pytest.mark.django_db
def test_password_reset_does_not_reveal_which_emails_have_accounts(client, student):
    known = client.post(reverse("account_reset_password"), {"email": student.email}, follow=True)
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}, follow=True
    )
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known) == without_csrf(unknown)


@pytest.mark.django_db
def test_signup_with_a_taken_email_does_not_say_so_when_verification_is_mandatory(
    client, settings, mailoutbox
):
    # allauth can hide taken addresses at sign-up only when verification is mandatory,
    # which is the production setting (DEBUG=False).
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    StudentFactory(email="ada@example.com")
    taken = client.post(reverse("account_signup"), signup_data())
    fresh = client.post(reverse("account_signup"), signup_data(email="grace@example.com"))
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert User.objects.filter(email="ada@example.com").count() == 1
    # The owner of the taken address is told by email instead.
    assert any("ada@example.com" in m.to for m in mailoutbox)


@pytest.mark.django_db
def test_password_change(client, student):
    client.force_login(student)
    assert client.get(reverse("account_change_password")).status_code == 200
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_password_change_needs_the_old_password(client, student):
    client.force_login(student)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    student.refresh_from_db()
    assert student.check_password(PASSWORD)


@pytest.mark.django_db
def test_password_change_requires_login(client):
    response = client.get(reverse("account_change_password"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


ANONYMOUS_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]
LOGGED_IN_PAGES = ["account_change_password", "account_email", "account_logout"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "logged_in"),
    [(n, False) for n in ANONYMOUS_PAGES] + [(n, True) for n in LOGGED_IN_PAGES],
)
def test_account_pages_use_the_site_layout_within_our_csp(client, student, name, logged_in):
    if logged_in:
        client.force_login(student)
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in html
    assert html.count("<h1") == 1
    # The site's CSP blocks inline styles and scripts.
    assert "style=" not in html
    assert "<script>" not in html

"""Two-factor with a security key (WebAuthn), in Chromium with a virtual authenticator.

Browsers offer WebAuthn on secure origins only, and an IP address cannot name the relying
party: these pages are opened at http://localhost, which both accept.
"""

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.axe import assert_no_axe_violations
from tests.browser import login
from tests.factories import PASSWORD, AdminFactory, StudentFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def local_page(browser, live_daphne, transactional_db):
    context = browser.new_context(base_url=live_daphne.replace("127.0.0.1", "localhost"))
    page = context.new_page()
    page.set_default_timeout(15_000)
    console_errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.console_errors = console_errors
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield page
    context.close()


def test_an_admin_adds_a_security_key_and_signs_in_with_it(local_page):
    page = local_page
    admin = AdminFactory()
    login(page, admin.email, PASSWORD)

    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Add").last.click()
    page.wait_for_load_state()
    if page.get_by_label("Password").count():  # a change asks for the password again
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Add Security Key")).to_be_visible()
    # "Add" works only once allauth's script has bound it, when the page has loaded.
    page.wait_for_load_state()
    assert_no_axe_violations(page)
    page.get_by_label("Name").fill("Desk key")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    key = Authenticator.objects.get(user=admin, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Desk key"

    # Signing in again: the password, then the key.
    page.context.clear_cookies()
    login(page, admin.email, PASSWORD)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url)
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    assert page.console_errors == []


def add_passkey(page, user) -> None:
    """`user`, logged in, adds a passwordless key (a passkey) and logs out."""
    page.goto("/accounts/2fa/webauthn/add/")
    if page.get_by_label("Password").count():  # a change asks for the password again
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()
    page.get_by_label("Name").fill("Phone")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert (
        Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
        .wrap()
        .is_passwordless
    )
    page.context.clear_cookies()


def test_a_learner_logs_in_with_a_passkey_alone(local_page):
    page = local_page
    student = StudentFactory()
    login(page, student.email, PASSWORD)
    add_passkey(page, student)

    page.goto("/accounts/login/")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Log in with a passkey").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/learn/")
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
    assert page.console_errors == []


def test_a_deactivated_learners_passkey_no_longer_logs_them_in(local_page):
    page = local_page
    student = StudentFactory()
    login(page, student.email, PASSWORD)
    add_passkey(page, student)
    type(student).objects.filter(pk=student.pk).update(is_active=False)

    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with a passkey").click()
    page.wait_for_url("**/accounts/inactive/")
    page.goto("/learn/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

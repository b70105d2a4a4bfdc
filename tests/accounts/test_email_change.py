"""Changing the sign-in address: one pending change at a time, and another account's pending
change never keeps an address from its owner."""

import re
import threading
import time

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.cache import caches
from django.db import connection, connections, transaction
from django.urls import reverse

from accounts.models import User
from tests.factories import StudentFactory

NEW_PASSWORD = "another-long-passphrase-42"


def ask_for(client, email):
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def confirmation_link(mailoutbox, to: str) -> str:
    message = [m for m in mailoutbox if to in m.to][-1]
    return re.search(r"https?://\S+", message.body).group(0)


def sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {"name": "Owner", "email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def confirm(client, link):
    return client.post(link.split("testserver", 1)[-1])


@pytest.mark.django_db
def test_a_change_waits_until_the_new_address_is_verified(client, mailoutbox):
    user = StudentFactory(email="old@example.com")
    client.force_login(user)
    ask_for(client, "new@example.com")
    user.refresh_from_db()
    assert user.email == "old@example.com"
    assert EmailAddress.objects.get(user=user, email="new@example.com").verified is False
    confirm(client, confirmation_link(mailoutbox, "new@example.com"))
    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [
        "new@example.com"
    ]


@pytest.mark.django_db
def test_only_one_change_is_pending_at_a_time(client, mailoutbox):
    user = StudentFactory(email="old@example.com")
    client.force_login(user)
    ask_for(client, "first@example.com")
    ask_for(client, "second@example.com")
    pending = EmailAddress.objects.filter(user=user, verified=False)
    assert list(pending.values_list("email", flat=True)) == ["second@example.com"]
    # The first request's link no longer changes anything.
    confirm(client, confirmation_link(mailoutbox, "first@example.com"))
    user.refresh_from_db()
    assert user.email == "old@example.com"


@pytest.mark.django_db
@pytest.mark.parametrize("verification", ["optional", "mandatory"])
def test_another_accounts_pending_change_does_not_block_sign_up(
    client, settings, mailoutbox, verification
):
    settings.ACCOUNT_EMAIL_VERIFICATION = verification
    squatter = StudentFactory(email="squatter@example.com")
    client.force_login(squatter)
    ask_for(client, "owner@example.com")
    client.logout()
    response = sign_up(client, "owner@example.com")
    assert response.status_code == 302
    assert User.objects.filter(email="owner@example.com").exists()


@pytest.mark.django_db
def test_a_verified_address_still_cannot_be_signed_up_for_twice(client, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    owner = StudentFactory(email="other@example.com")
    EmailAddress.objects.create(user=owner, email="owned@example.com", verified=True)
    sign_up(client, "owned@example.com")
    assert not User.objects.filter(email="owned@example.com").exists()


@pytest.mark.django_db
def test_the_owner_verifying_first_ends_the_pending_change_elsewhere(client, mailoutbox):
    squatter = StudentFactory(email="squatter@example.com")
    squatter_client = client.__class__()
    squatter_client.force_login(squatter)
    ask_for(squatter_client, "owner@example.com")
    squatters_link = confirmation_link(mailoutbox, "owner@example.com")
    caches["default"].clear()  # later than allauth's cooldown between mails to one address
    sign_up(client, "owner@example.com")
    owners_link = confirmation_link(mailoutbox, "owner@example.com")
    assert owners_link != squatters_link
    # Following the squatter's link, the owner gives the address to nobody.
    confirm(client, squatters_link)
    assert not EmailAddress.objects.filter(email="owner@example.com", verified=True).exists()
    confirm(client, owners_link)
    owner = User.objects.get(email="owner@example.com")
    assert EmailAddress.objects.get(email="owner@example.com").user == owner
    assert EmailAddress.objects.get(email="owner@example.com").verified
    assert not EmailAddress.objects.filter(user=squatter, email="owner@example.com").exists()
    # The link mailed for the squatter's change leads nowhere now.
    confirm(squatter_client, squatters_link)
    squatter.refresh_from_db()
    assert squatter.email == "squatter@example.com"


@pytest.mark.django_db
def test_a_pending_change_to_another_accounts_sign_in_address_cannot_be_verified(
    client, mailoutbox
):
    squatter = StudentFactory(email="squatter@example.com")
    client.force_login(squatter)
    ask_for(client, "owner@example.com")
    link = confirmation_link(mailoutbox, "owner@example.com")
    # The owner signs up (with the address unverified) before the link is followed.
    owner = StudentFactory(email="owner@example.com")
    response = confirm(client, link)
    assert response.status_code in (200, 302)
    squatter.refresh_from_db()
    owner.refresh_from_db()
    assert squatter.email == "squatter@example.com"
    assert owner.email == "owner@example.com"
    assert not EmailAddress.objects.filter(email="owner@example.com", verified=True).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("taken", [False, True])
def test_an_unverified_address_cannot_be_made_the_sign_in_address(client, mailoutbox, taken):
    squatter = StudentFactory(email="squatter@example.com")
    if taken:
        StudentFactory(email="owner@example.com")
    client.force_login(squatter)
    ask_for(client, "owner@example.com")
    response = client.post(
        reverse("account_email"), {"action_primary": "", "email": "owner@example.com"}
    )
    assert response.status_code == 302
    squatter.refresh_from_db()
    assert squatter.email == "squatter@example.com"
    assert not EmailAddress.objects.filter(email="owner@example.com", primary=True).exists()


@pytest.mark.django_db
def test_the_email_page_offers_a_change_not_a_primary_address(client, mailoutbox):
    client.force_login(StudentFactory(email="old@example.com"))
    ask_for(client, "new@example.com")
    html = client.get(reverse("account_email")).content.decode()
    assert "You sign in with <strong>old@example.com</strong>" in html
    assert "new@example.com" in html and "Cancel this change" in html
    assert "action_primary" not in html
    assert "<script" not in html.split("<main", 1)[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_the_second_of_two_verifications_of_one_address_is_refused_not_a_500(rf):
    # Two accounts verifying one address at once: the second waits on the unique index
    # for the first to commit, then is refused with its change rolled back.
    first = StudentFactory(email="first@example.com")
    second = StudentFactory(email="second@example.com")
    EmailAddress.objects.create(user=first, email="shared@example.com")
    pending = EmailAddress.objects.create(user=second, email="shared@example.com")
    holding, finished = threading.Event(), {}

    def hold_the_lock():
        with transaction.atomic():
            User.objects.filter(pk=first.pk).update(email="shared@example.com")
            holding.set()
            time.sleep(0.5)
            finished["first"] = time.monotonic()
        connections.close_all()

    def verify():
        holding.wait()
        request = rf.get("/")
        request.session = {}
        request._messages = FallbackStorage(request)
        finished["confirmed"] = get_adapter().confirm_email(request, pending)
        finished["second"] = time.monotonic()
        connections.close_all()

    threads = [threading.Thread(target=hold_the_lock), threading.Thread(target=verify)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert finished["second"] >= finished["first"]
    assert finished["confirmed"] is False
    second.refresh_from_db()
    pending.refresh_from_db()
    assert second.email == "second@example.com"
    assert not pending.verified

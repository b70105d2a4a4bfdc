"""One-click unsubscribe: a signed, expiring link that works logged out, asks before it acts
(mail scanners follow links), takes a mail provider's RFC 8058 POST, and turns off one kind."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from mail import services as mail_services
from mail.models import Email
from notifications import emails
from notifications.models import Delivery, Notification, NotificationPreference
from notifications.selectors import deliveries
from notifications.services import UNSUBSCRIBED, notify
from tests.factories import AdminFactory, StudentFactory

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def url_for(user, kind) -> str:
    return reverse(
        "notifications:unsubscribe", args=[emails.unsubscribe_token(user_id=user.pk, kind=kind)]
    )


def one_click(client, url):
    """What a mail provider sends (RFC 8058): a form POST, no cookies, no CSRF token."""
    return client.post(
        url,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )


@pytest.fixture
def strict_client():
    return Client(enforce_csrf_checks=True)


def test_the_token_names_the_user_and_the_kind(student):
    token = emails.unsubscribe_token(user_id=student.pk, kind=Kind.ENROLLED)
    assert emails.unsubscribe_token_read(token) == (student.pk, Kind.ENROLLED)
    digest = emails.unsubscribe_token(user_id=student.pk, kind=emails.DIGEST)
    assert emails.unsubscribe_token_read(digest) == (student.pk, emails.DIGEST)


def test_get_asks_and_changes_nothing(client, student):
    response = client.get(url_for(student, Kind.ENROLLED))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop these emails?" in page and "Enrolled" in page
    assert '<form method="post">' in page
    assert student.email not in page  # forwarded links do not give the address away
    assert f"{student.email[0]}…@example.com" in page
    assert response["X-Robots-Tag"] == "noindex"
    assert not NotificationPreference.objects.exists()


def test_the_confirm_button_works_logged_out_and_turns_off_only_that_kind(strict_client, student):
    NotificationPreference.objects.create(
        user=student, kind=Kind.NEW_LECTURE, delivery=Delivery.IMMEDIATELY
    )
    before = deliveries(user=student)
    response = strict_client.post(url_for(student, Kind.ENROLLED))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    after = deliveries(user=student)
    assert after[Kind.ENROLLED] == Delivery.OFF
    assert {k: v for k, v in after.items() if k != Kind.ENROLLED} == {
        k: v for k, v in before.items() if k != Kind.ENROLLED
    }
    # Nobody else's choices move either.
    assert NotificationPreference.objects.exclude(user=student).count() == 0


def test_a_mail_providers_one_click_post_needs_no_csrf_token(strict_client, student):
    response = one_click(strict_client, url_for(student, Kind.ANNOUNCEMENT))
    assert response.status_code == 200
    assert deliveries(user=student)[Kind.ANNOUNCEMENT] == Delivery.OFF


def test_another_users_session_does_not_change_whose_emails_stop(client, student):
    other = StudentFactory()
    client.force_login(other)
    client.post(url_for(student, Kind.ENROLLED))
    assert deliveries(user=student)[Kind.ENROLLED] == Delivery.OFF
    assert deliveries(user=other)[Kind.ENROLLED] == Delivery.IMMEDIATELY


def test_an_admin_yet_to_set_up_two_factor_can_unsubscribe_while_logged_in(client, settings):
    """The link works for a logged-in admin whom other pages send to set up two-factor."""
    settings.MFA_REQUIRED_FOR_ADMINS = True
    admin = AdminFactory()
    client.force_login(admin)
    assert client.get(reverse("notifications:list"))["Location"] == reverse("mfa_index")
    url = url_for(admin, Kind.ROLE_CHANGED)
    response = client.get(url)
    assert response.status_code == 200 and "Stop these emails?" in response.content.decode()
    assert client.post(url).status_code == 200
    assert deliveries(user=admin)[Kind.ROLE_CHANGED] == Delivery.OFF


def test_unsubscribing_twice_is_harmless_and_the_page_says_it_is_off(client, student):
    url = url_for(student, Kind.ENROLLED)
    client.post(url)
    assert client.post(url).status_code == 200
    page = client.get(url).content.decode()
    assert "Nothing to stop" in page and "Stop these emails</button>" not in page
    assert NotificationPreference.objects.filter(user=student).count() == 1


def test_after_unsubscribing_that_kind_is_no_longer_emailed(
    client, student, smtp_server, committed
):
    client.post(url_for(student, Kind.ENROLLED))
    with committed():
        notify(recipient=student, kind=Kind.ENROLLED, title="Enrolled")
        notify(recipient=student, kind=Kind.REFUNDED, title="Refunded")
    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == "Refunded"


def test_an_email_awaiting_a_retry_is_not_sent_after_its_kind_is_unsubscribed(
    client, student, smtp_server, email_awaiting_retry
):
    """Unsubscribing also stops that kind's emails still waiting for a retry, only those."""
    announcement = email_awaiting_retry(student, Kind.ANNOUNCEMENT)
    enrolled = email_awaiting_retry(student, Kind.ENROLLED)
    assert client.post(url_for(student, Kind.ANNOUNCEMENT)).status_code == 200
    later = enrolled.next_attempt_at + timedelta(minutes=1)
    assert mail_services.emails_deliver([announcement.pk, enrolled.pk], now=later) == 1
    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == enrolled.subject
    announcement.refresh_from_db()
    assert announcement.status == Email.Status.FAILED
    assert announcement.last_error == UNSUBSCRIBED


def test_the_link_in_a_real_email_works_from_header_and_footer(
    strict_client, student, smtp_server, committed
):
    with committed():
        notify(recipient=student, kind=Kind.CERTIFICATE_ISSUED, title="Your certificate")
    (message,) = smtp_server.wait_for(1)
    url = message["List-Unsubscribe"].strip()[1:-1]
    footer = message.get_body(preferencelist=("plain",)).get_content()
    assert url in footer
    path = re.sub(r"^https?://[^/]+", "", url)
    assert strict_client.get(path).status_code == 200
    assert deliveries(user=student)[Kind.CERTIFICATE_ISSUED] == Delivery.IMMEDIATELY
    assert one_click(strict_client, path).status_code == 200
    assert deliveries(user=student)[Kind.CERTIFICATE_ISSUED] == Delivery.OFF


def test_the_digest_link_turns_off_every_digest_kind_and_nothing_else(client, student):
    NotificationPreference.objects.create(
        user=student, kind=Kind.ANNOUNCEMENT, delivery=Delivery.DIGEST
    )
    NotificationPreference.objects.create(
        user=student, kind=Kind.NEW_REVIEW, delivery=Delivery.IMMEDIATELY
    )
    url = url_for(student, emails.DIGEST)
    assert "Stop the daily digest?" in client.get(url).content.decode()
    assert client.post(url).status_code == 200
    after = deliveries(user=student)
    assert after[Kind.ANNOUNCEMENT] == after[Kind.NEW_LECTURE] == Delivery.OFF
    assert after[Kind.COURSE_COMPLETED] == Delivery.OFF
    assert after[Kind.NEW_REVIEW] == after[Kind.ENROLLED] == Delivery.IMMEDIATELY
    assert "Nothing to stop" in client.get(url).content.decode()


class _SignedLongAgo(signing.TimestampSigner):
    def __init__(self, *args, age: timedelta, **kwargs):
        super().__init__(*args, **kwargs)
        self.age = age

    def timestamp(self):
        return signing.b62_encode(int(time.time() - self.age.total_seconds()))


def _aged_token(user, kind, age: timedelta) -> str:
    return _SignedLongAgo(salt=emails.UNSUBSCRIBE_SALT, age=age).sign_object(
        {"u": user.pk, "k": kind}
    )


def test_a_59_day_old_link_still_works(client, student):
    token = _aged_token(student, Kind.ENROLLED, timedelta(days=59))
    assert client.post(reverse("notifications:unsubscribe", args=[token])).status_code == 200
    assert deliveries(user=student)[Kind.ENROLLED] == Delivery.OFF


def _bad_tokens(student) -> dict[str, str]:
    good = emails.unsubscribe_token(user_id=student.pk, kind=Kind.ENROLLED)
    other = emails.unsubscribe_token(user_id=student.pk + 1, kind=Kind.ENROLLED)
    payload, stamp, signature = good.split(":")
    other_payload = other.split(":")[0]
    return {
        "expired": _aged_token(student, Kind.ENROLLED, timedelta(days=61)),
        "tampered signature": f"{payload}:{stamp}:{signature[:-2]}xx",
        "another user's payload": f"{other_payload}:{stamp}:{signature}",
        "another purpose's salt": signing.dumps(
            {"u": student.pk, "k": Kind.ENROLLED}, salt="notifications.something-else"
        ),
        "not signed": "hello",
        "unknown kind": signing.dumps(
            {"u": student.pk, "k": "gossip"}, salt=emails.UNSUBSCRIBE_SALT
        ),
        "not a mapping": signing.dumps([student.pk], salt=emails.UNSUBSCRIBE_SALT),
        "no such user": emails.unsubscribe_token(user_id=10**9, kind=Kind.ENROLLED),
    }


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "tampered signature",
        "another user's payload",
        "another purpose's salt",
        "not signed",
        "unknown kind",
        "not a mapping",
        "no such user",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_link_is_a_clear_400_and_changes_nothing(client, student, case, method):
    StudentFactory(pk=student.pk + 1)
    token = _bad_tokens(student)[case]
    response = getattr(client, method)(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "This link no longer works" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_the_reader_refuses_what_the_view_refuses(student):
    for case, token in _bad_tokens(student).items():
        if case == "no such user":
            continue  # a well-formed token; the view finds no such user
        with pytest.raises(emails.BadToken):
            emails.unsubscribe_token_read(token)


def test_an_inactive_users_link_does_nothing(client):
    gone = StudentFactory(is_active=False)
    assert client.post(url_for(gone, Kind.ENROLLED)).status_code == 400
    assert not NotificationPreference.objects.exists()


def test_other_methods_are_refused(client, student):
    assert client.put(url_for(student, Kind.ENROLLED)).status_code == 405
    assert not NotificationPreference.objects.exists()

"""Queued emails reach a real SMTP server once, with both parts; failures retry, then fail."""

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from mail import services
from mail.models import Email
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def draft(key="test:1", to="ann@example.com", **extra):
    return services.Draft(
        key=key,
        kind="test",
        to=to,
        subject="Hello  there",
        template="mail/tests/hello",
        context={"name": "Ann <b>"},
        **extra,
    )


def test_a_queued_email_is_sent_on_commit_with_text_and_html(
    smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.SITE_NAME = "Maple School"
    settings.SITE_URL = "https://learn.maple.example"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.email_queue(draft(headers={"List-Id": "test"}))
    assert smtp_server.messages == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == "Hello there"
    assert message["To"] == "ann@example.com"
    assert message["List-Id"] == "test"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hello Ann <b>" in text and "https://learn.maple.example/" in text
    assert "Hello Ann &lt;b&gt;" in html and 'href="https://learn.maple.example/"' in html
    email = Email.objects.get()
    assert email.status == Email.Status.SENT and email.sent_at and email.attempts == 1


def test_a_key_is_queued_once(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.email_queue(draft()) is not None
        assert services.email_queue(draft()) is None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.email_queue(draft()) is None
    assert len(smtp_server.messages) == 1
    assert Email.objects.count() == 1


def test_a_rolled_back_action_queues_nothing(smtp_server, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.email_queue(draft())
        raise RuntimeError
    assert not Email.objects.exists() and smtp_server.messages == []


def test_a_temporary_refusal_is_retried_later_by_the_retry_job(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.refuse_next("451 Greylisted, try again")
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(draft())
    email = Email.objects.get()
    assert (email.status, email.attempts) == (Email.Status.QUEUED, 1)
    assert "451" in email.last_error
    assert email.next_attempt_at > timezone.now()
    # Not due yet: the retry job leaves it.
    assert services.emails_retry_due() == 0
    later = email.next_attempt_at + timedelta(minutes=2)
    assert services.emails_retry_due(now=later) == 1  # delivery enqueued (and run)
    services.emails_deliver([email.pk], now=later)
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert len(smtp_server.messages) == 1


def test_a_permanent_refusal_fails_at_once(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse_next("550 No such mailbox")
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(draft())
    email = Email.objects.get()
    assert email.status == Email.Status.FAILED and "550" in email.last_error


def test_an_address_no_message_can_reach_fails_at_once_and_the_batch_goes_on(smtp_server):
    """An address that cannot be encoded fails its own email; the rest of the batch is sent."""
    # Django's EmailValidator accepts it, but its domain has no IDNA form.
    ids = services.emails_queue(
        [draft(key="bad", to="ann@\ufffd.example"), draft(key="good", to="bob@example.com")]
    )
    assert services.emails_deliver(ids) == 1
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["bob@example.com"]
    bad = Email.objects.get(key="bad")
    assert bad.status == Email.Status.FAILED and bad.last_error
    assert Email.objects.get(key="good").status == Email.Status.SENT


def test_an_email_to_an_account_deactivated_before_it_goes_is_not_sent(smtp_server):
    """An email waiting for a retry is dropped once its recipient's account is deactivated."""
    ann, bob = StudentFactory(), StudentFactory()
    smtp_server.refuse_next("451 Greylisted, try again", times=2)
    ids = services.emails_queue(
        [
            draft(key="ann", to=ann.email, recipient_id=ann.pk),
            draft(key="bob", to=bob.email, recipient_id=bob.pk),
        ]
    )
    services.emails_deliver(ids)
    assert smtp_server.messages == []
    # However the account was deactivated: a bulk update sends no signal at all.
    User.objects.filter(pk=ann.pk).update(is_active=False)
    later = timezone.now() + services.RETRY_DELAYS[0] + timedelta(minutes=1)
    assert services.emails_deliver(ids, now=later) == 1
    assert [m["To"] for m in smtp_server.wait_for(1)] == [bob.email]
    email = Email.objects.get(key="ann")
    assert (email.status, email.last_error) == (Email.Status.FAILED, services.DEACTIVATED)


@pytest.mark.parametrize("kind", sorted(services.SENT_TO_DEACTIVATED_ACCOUNTS))
def test_a_record_of_money_still_reaches_an_account_deactivated_since(smtp_server, kind):
    """A receipt or refund email waiting for a retry still goes after a deactivation."""
    ann = StudentFactory()
    smtp_server.refuse_next("451 Greylisted, try again")
    ids = services.emails_queue([draft(key="ann", to=ann.email, recipient_id=ann.pk)])
    Email.objects.filter(pk__in=ids).update(kind=kind)
    services.emails_deliver(ids)
    User.objects.filter(pk=ann.pk).update(is_active=False)

    later = timezone.now() + services.RETRY_DELAYS[0] + timedelta(minutes=1)
    assert services.emails_deliver(ids, now=later) == 1
    assert [m["To"] for m in smtp_server.wait_for(1)] == [ann.email]


def test_retries_end_in_failure(smtp_server):
    services.email_queue(draft())
    email = Email.objects.get()
    now = timezone.now()
    for _ in range(len(services.RETRY_DELAYS) + 1):
        smtp_server.refuse_next("421 Busy")
        services.emails_deliver([email.pk], now=now)
        email.refresh_from_db()
        now = email.next_attempt_at
    assert email.status == Email.Status.FAILED
    assert email.attempts == len(services.RETRY_DELAYS) + 1


def test_an_unreachable_server_keeps_the_batch_queued(settings, db):
    from tests.redis_server import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    ids = services.emails_queue([draft(key=f"k{i}") for i in range(3)])
    assert services.emails_deliver(ids) == 0
    first, *rest = Email.objects.order_by("pk")
    assert first.status == Email.Status.QUEUED and first.attempts == 1
    assert [e.attempts for e in rest] == [0, 0]  # not tried one by one against a dead server


def test_sent_and_failed_emails_are_kept_apart_and_pruned(db):
    old = timezone.now() - timedelta(days=100)
    services.emails_queue([draft(key="sent"), draft(key="failed")])
    Email.objects.filter(key="sent").update(status="sent", sent_at=old)
    Email.objects.filter(key="failed").update(status="failed")
    assert services.emails_prune() == 1
    assert list(Email.objects.values_list("key", flat=True)) == ["failed"]


def test_an_admin_sends_a_failed_email_again(
    client, admin_user, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.refuse_next("550 No")
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(draft())
    email = Email.objects.get()
    client.force_login(admin_user)
    changelist = reverse("admin:mail_email_changelist")
    page = client.get(changelist + "?status__exact=failed").content.decode()
    assert "Hello there" in page and "ann@example.com" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist, {"action": "retry", "_selected_action": [email.pk]}, follow=True
        )
    assert "1 email queued again" in response.content.decode()
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert len(smtp_server.messages) == 1


def test_emails_cannot_be_written_in_the_admin(client, admin_user, db):
    assert admin_site.is_registered(Email)
    client.force_login(admin_user)
    assert client.get(reverse("admin:mail_email_add")).status_code == 403


def test_a_batch_goes_over_one_connection(smtp_server, monkeypatch):
    from django.core.mail.backends.smtp import EmailBackend

    opened = []
    real_open = EmailBackend.open

    def counting_open(self):
        created = real_open(self)
        if created:
            opened.append(self)
        return created

    monkeypatch.setattr(EmailBackend, "open", counting_open)  # Django's, not ours
    ids = services.emails_queue([draft(key=f"batch:{n}", to=f"s{n}@example.com") for n in range(5)])
    assert services.emails_deliver(ids) == 5
    assert len(smtp_server.wait_for(5)) == 5
    assert len(opened) == 1

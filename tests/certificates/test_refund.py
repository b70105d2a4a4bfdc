"""A refund, arriving as Stripe's webhook, revokes the certificate the payment bought."""

import pytest
from django.urls import reverse

from certificates.models import Certificate
from tests.certificates.conftest import finish
from tests.factories import LectureFactory, ModuleFactory
from tests.payments.helpers import post_event, start_checkout

pytestmark = pytest.mark.django_db


def test_a_refund_revokes_the_certificate_and_the_page_shows_it(
    client,
    student,
    paid_course,
    fake_stripe,
    django_capture_on_commit_callbacks,
):
    order = start_checkout(client, student, paid_course)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    LectureFactory(module=ModuleFactory(course=paid_course))
    with django_capture_on_commit_callbacks(execute=True):
        finish(student, paid_course)
    certificate = Certificate.objects.get(student=student)
    page = reverse("certificates:verify", args=[certificate.uuid])
    assert 'data-status="valid"' in client.get(page).content.decode()

    intent = fake_stripe.sessions[order.stripe_session_id]["payment_intent"]
    refund = fake_stripe.charge_refunded_event(fake_stripe.payment_intents[intent]["latest_charge"])
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(client, refund).content == b"applied"
    order.refresh_from_db()
    assert order.status == "refunded"
    certificate.refresh_from_db()
    assert certificate.revocation == Certificate.Revocation.ACCESS_ENDED
    assert 'data-status="revoked"' in client.get(page).content.decode()

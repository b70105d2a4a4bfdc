"""The labelled test checkout for `make run` without Stripe keys, and its production guard."""

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from payments.models import Order
from progress.models import Enrollment
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev_mode(settings):
    settings.DEBUG = True
    settings.DEV_CHECKOUT_ENABLED = True
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: Stripe must not be called


@pytest.fixture
def order(client, student, paid_course, dev_mode):
    client.force_login(student)
    response = client.post(reverse("course-enroll", kwargs={"slug": paid_course.slug}))
    order = Order.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/payments/dev-checkout/{order.pk}/"
    return order


def test_dev_checkout_page_is_clearly_a_test_payment(client, order):
    response = client.get(f"/payments/dev-checkout/{order.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Test payment — no real money</h1>" in content
    assert "49.00 USD" in content
    assert "Pay (test)" in content


def test_paying_on_the_dev_checkout_enrolls_through_fulfilment(client, order, student):
    response = client.post(f"/payments/dev-checkout/{order.pk}/")

    assert response.status_code == 303
    assert response["Location"] == f"/learn/{order.course.slug}/"
    order.refresh_from_db()
    assert order.status == "paid"
    assert (order.paid_amount, order.paid_currency) == (order.amount, "usd")
    assert order.enrollment == Enrollment.objects.get(student=student, source="paid")
    # Paying twice does nothing more.
    client.post(f"/payments/dev-checkout/{order.pk}/")
    assert Enrollment.objects.count() == 1


def test_another_student_cannot_see_or_pay_the_order(client, order):
    client.force_login(StudentFactory())

    assert client.get(f"/payments/dev-checkout/{order.pk}/").status_code == 404
    assert client.post(f"/payments/dev-checkout/{order.pk}/").status_code == 404
    assert not Enrollment.objects.exists()


def test_dev_checkout_is_not_found_without_debug(client, order, settings):
    settings.DEBUG = False

    assert client.post(f"/payments/dev-checkout/{order.pk}/").status_code == 404
    assert not Enrollment.objects.exists()


def test_dev_checkout_is_not_found_when_disabled(client, order, settings):
    settings.DEV_CHECKOUT_ENABLED = False

    assert client.get(f"/payments/dev-checkout/{order.pk}/").status_code == 404


def test_system_check_refuses_dev_checkout_without_debug(settings):
    settings.DEBUG = False
    settings.DEV_CHECKOUT_ENABLED = True

    assert "payments.E001" in [e.id for e in run_checks()]
    with pytest.raises(SystemCheckError, match="DEV_CHECKOUT_ENABLED"):
        call_command("check")


def test_system_check_accepts_dev_checkout_with_debug(settings):
    settings.DEBUG = True
    settings.DEV_CHECKOUT_ENABLED = True

    assert "payments.E001" not in [e.id for e in run_checks()]


def test_system_check_warns_when_webhooks_cannot_be_verified(settings):
    settings.STRIPE_SECRET_KEY = "sk_live_x"
    settings.STRIPE_WEBHOOK_SECRET = ""

    assert "payments.W001" in [e.id for e in run_checks()]

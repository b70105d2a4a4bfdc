"""Helpers shared by the payments tests."""

from django.urls import reverse

from payments.models import Order
from tests.fakes.stripe_server import signed_webhook

WEBHOOK_SECRET = "whsec_test_payments"
WEBHOOK_URL = "/payments/stripe/webhook/"


def post_event(client, event, *, secret=WEBHOOK_SECRET, timestamp=None):
    body, header = signed_webhook(event, secret, timestamp=timestamp)
    return client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def start_checkout(client, student, course) -> Order:
    """Log in as `student`, press Buy, and return the order the checkout made."""
    client.force_login(student)
    response = client.post(reverse("course-enroll", kwargs={"slug": course.slug}))
    assert response.status_code == 303, response
    return Order.objects.get(student=student, course=course, status=Order.Status.PENDING)

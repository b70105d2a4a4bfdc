from decimal import Decimal

import pytest
from django.urls import reverse

from payments.models import Order
from tests.factories import AdminFactory, CourseFactory, StudentFactory
from tests.fakes.stripe_server import FakeStripe, signed_webhook

WEBHOOK_SECRET = "whsec_test_payments"
WEBHOOK_URL = "/payments/stripe/webhook/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default PBKDF2 costs ~0.5 s per user; these tests never check password strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def new_user(factory=StudentFactory, **kwargs):
    """A saved user whose password is tests.factories.PASSWORD.

    The shared factories set the password after the insert without saving it, so the
    in-memory hash differs from the stored one and force_login sessions are dropped.
    """
    user = factory(**kwargs)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def student(db):
    return new_user()


@pytest.fixture
def admin_user(db):
    return new_user(AdminFactory)


@pytest.fixture(scope="session")
def stripe_server():
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def fake_stripe(stripe_server, settings):
    """The real SDK, pointed at the local fake through settings only."""
    stripe_server.reset()
    settings.STRIPE_SECRET_KEY = stripe_server.api_key
    settings.STRIPE_API_BASE = stripe_server.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0  # fast failures; retries are Stripe's own code
    settings.DEV_CHECKOUT_ENABLED = False
    settings.SITE_URL = "https://edu.example"
    return stripe_server


@pytest.fixture
def paid_course(db):
    return CourseFactory(title="Django in Depth", price=Decimal("49.00"), currency="usd")


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

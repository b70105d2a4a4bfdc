from decimal import Decimal

import pytest

from tests.factories import CourseFactory
from tests.fakes.stripe_server import FakeStripe
from tests.payments.helpers import WEBHOOK_SECRET


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

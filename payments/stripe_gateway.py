"""The one place that builds a Stripe client, and Stripe's integer money units.

Tests point the real SDK at a local fake by setting STRIPE_API_BASE and STRIPE_SECRET_KEY;
nothing here is patched.
"""

from decimal import Decimal

import stripe
from django.conf import settings

# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL_CURRENCIES = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
# https://docs.stripe.com/currencies#three-decimal
THREE_DECIMAL_CURRENCIES = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])


def _exponent(currency: str) -> int:
    currency = currency.lower()
    if currency in ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """1.50 usd -> 150, 1500 jpy -> 1500. Refuses amounts the currency cannot express."""
    minor = Decimal(amount).scaleb(_exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} cannot be charged in {currency.upper()}")
    return int(minor)


def from_minor_units(minor: int, currency: str) -> Decimal:
    return Decimal(int(minor)).scaleb(-_exponent(currency)).quantize(Decimal("0.01"))


def stripe_client() -> stripe.StripeClient:
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else {}
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        # The SDK does not retry unless told to; our own idempotency keys make retries safe.
        max_network_retries=getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2),
        # A hung Stripe must not hold a web worker for the SDK's default 80 seconds.
        http_client=stripe.RequestsClient(timeout=getattr(settings, "STRIPE_TIMEOUT", 20)),
    )


def to_dict(obj) -> dict:
    """stripe 16 objects are not dicts; services work on plain data."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)

"""Stripe wants integer minor units; the currency decides how many."""

from decimal import Decimal

import pytest

from payments.stripe_gateway import from_minor_units, to_minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("49.00", "usd", 4900),
        ("0.50", "EUR", 50),
        ("1500.00", "jpy", 1500),
        ("12000", "krw", 12000),
        ("1.25", "kwd", 1250),
    ],
)
def test_minor_units_round_trip(amount, currency, minor):
    assert to_minor_units(Decimal(amount), currency) == minor
    assert from_minor_units(minor, currency) == Decimal(amount)


def test_an_amount_the_currency_cannot_express_is_refused():
    with pytest.raises(ValueError, match="JPY"):
        to_minor_units(Decimal("1500.50"), "jpy")

"""System checks: the development checkout can never run on a production server, and
settings that would break checkout are refused."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security)
def dev_checkout_check(app_configs, **kwargs):
    if settings.DEV_CHECKOUT_ENABLED and not settings.DEBUG:
        return [
            Error(
                "DEV_CHECKOUT_ENABLED is on while DEBUG is False.",
                hint="The test checkout completes orders without payment; "
                "unset DEV_CHECKOUT_ENABLED in production.",
                id="payments.E001",
            )
        ]
    return []


@register(Tags.security)
def stripe_webhook_secret_check(app_configs, **kwargs):
    if settings.STRIPE_SECRET_KEY and not settings.STRIPE_WEBHOOK_SECRET:
        return [
            Warning(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not.",
                hint="Every webhook will be refused, so paid orders are only fulfilled "
                "from the success page.",
                id="payments.W001",
            )
        ]
    return []


@register()
def pending_order_expiry_check(app_configs, **kwargs):
    if settings.PENDING_ORDER_EXPIRY_HOURS < 1:
        return [
            Error(
                f"PENDING_ORDER_EXPIRY_HOURS is {settings.PENDING_ORDER_EXPIRY_HOURS}.",
                hint="At least 1: a student needs time to pay before the order expires "
                "(24, the life of a Stripe Checkout Session, is the default).",
                id="payments.E002",
            )
        ]
    return []

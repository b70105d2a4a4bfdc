"""System checks: the development checkout can never run on a production server."""

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

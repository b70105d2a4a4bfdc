from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail.message import sanitize_address
from django.utils.translation import gettext_lazy as _


def validate_deliverable(value: str) -> None:
    """Refuse an address no email can be sent to although Django's EmailValidator accepts
    it: its domain has no IDNA form ("ann@\\ufffd.example", or a label too long once
    encoded). The check is the one Django's mail backends make before sending."""
    try:
        sanitize_address(value, settings.DEFAULT_CHARSET)
    except ValueError:
        raise ValidationError(
            _("No email can be sent to this address. Check it for mistyped characters."),
            code="invalid",
        ) from None

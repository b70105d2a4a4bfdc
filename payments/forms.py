from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _


class CheckoutSessionForm(forms.Form):
    """The query string Stripe sends back to the success page."""

    session_id = forms.CharField(
        max_length=255,
        validators=[RegexValidator(r"^cs_[A-Za-z0-9_]+$", _("This is not a checkout session."))],
    )


class CancelledOrderForm(forms.Form):
    order = forms.IntegerField(min_value=1, required=False)

from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import User


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form plus a name. There is deliberately no role field: the adapter
    makes every new account a student, whatever else is posted."""

    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["name", "email", "password1", "password2"]

    def validate_unique_email(self, value):
        # allauth counts any account holding the address, verified or not; another
        # account's pending change to it must not stop its owner from signing up.
        if not services.email_is_claimed(value):
            self.account_already_exists = False
            return get_adapter().validate_unique_email(value)
        return super().validate_unique_email(value)


class AddEmailForm(AllauthAddEmailForm):
    """A change of address: the new one waits for verification, and a newer request
    replaces it (one pending change at a time)."""

    def save(self, request):
        services.email_pending_drop(self.user)
        return super().save(request)


class ProfileForm(forms.ModelForm):
    """Only these three fields can change here; email, role and staff flags are not fields."""

    class Meta:
        model = User
        fields = ["name", "avatar", "phone"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}

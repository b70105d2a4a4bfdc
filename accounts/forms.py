from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

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


class ProfileForm(forms.ModelForm):
    """Only these three fields can change here; email, role and staff flags are not fields."""

    class Meta:
        model = User
        fields = ["name", "avatar", "phone"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}

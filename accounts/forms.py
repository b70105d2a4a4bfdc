from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SignupForm(forms.Form):
    """Extra sign-up fields for allauth. The role is never a field: sign-up makes a student."""

    name = forms.CharField(label=_("Name"), max_length=150, required=False)

    def signup(self, request, user):
        user.name = self.cleaned_data.get("name", "")
        user.save(update_fields=["name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "avatar", "phone"]

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


class AvatarInput(forms.ClearableFileInput):
    """The current photo (or the name's initial), a file picker and "Remove my photo";
    static/js/avatar.js previews a newly picked file before it is uploaded."""

    template_name = "forms/widgets/avatar.html"
    initial_letter = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["initial_letter"] = self.initial_letter
        return context


class ProfileForm(forms.ModelForm):
    """Only these fields can change here; email, role and staff flags are not fields. The
    bio is shown with courses, so only instructors and admins have it."""

    class Meta:
        model = User
        fields = ["name", "certificate_name", "avatar", "phone", "bio"]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "avatar": AvatarInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
            "bio": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not (self.instance.is_instructor or self.instance.is_admin):
            del self.fields["bio"]
        self.fields["avatar"].label = _("Photo")
        self.fields["avatar"].widget.initial_letter = self.instance.display_name[:1].upper()

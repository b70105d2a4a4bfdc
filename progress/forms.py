from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

RATING_CHOICES = [
    (n, ngettext_lazy("%(count)d star", "%(count)d stars", n) % {"count": n}) for n in range(1, 6)
]


class ReviewForm(forms.Form):
    # Five radio buttons, none chosen in advance: a preset value skews ratings.
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5 stars."),
            "invalid_choice": _("Choose a rating from 1 to 5 stars."),
        },
    )
    text = forms.CharField(
        label=_("Review"), required=False, max_length=4000, widget=forms.Textarea({"rows": 4})
    )

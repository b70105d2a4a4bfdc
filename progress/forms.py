from django import forms
from django.utils.translation import gettext_lazy as _


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        error_messages={"invalid_choice": _("Choose a rating from 1 to 5.")},
    )
    text = forms.CharField(
        label=_("Review"), required=False, max_length=4000, widget=forms.Textarea({"rows": 4})
    )

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Category, Course

SEARCH_MAX_LENGTH = 100


class SearchField(forms.CharField):
    """A search box that cuts over-long input instead of rejecting the whole request."""

    def to_python(self, value):
        value = super().to_python(value)[: self.max_length]
        return value.strip() if self.strip else value


class CatalogFilterForm(forms.Form):
    """The catalog's GET filters. A field with a bad value falls back to its default."""

    q = SearchField(
        label=_("Search"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All categories"),
    )
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("", _("Any level")), *Course.Level.choices],
        required=False,
    )
    price = forms.ChoiceField(
        label=_("Price"),
        choices=[("", _("Any price")), ("free", _("Free")), ("paid", _("Paid"))],
        required=False,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("", _("Best match")),
            ("newest", _("Newest")),
            ("popular", _("Most popular")),
            ("rating", _("Highest rated")),
            ("price", _("Lowest price")),
        ],
        required=False,
    )

    def filters(self) -> dict:
        """Keyword arguments for `course_catalog`, ignoring any field that did not validate."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        category = data.pop("category")
        return {
            **{name: value or "" for name, value in data.items()},
            "category": category.slug if category else None,
        }

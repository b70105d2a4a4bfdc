from django import forms
from django.utils.translation import gettext_lazy as _

from dashboards.selectors import DEFAULT_RANGE, RANGE_12_MONTHS, RANGE_30_DAYS, RANGE_ALL


class DashboardRangeForm(forms.Form):
    range = forms.ChoiceField(
        label=_("Period"),
        choices=[
            (RANGE_30_DAYS, _("Last 30 days")),
            (RANGE_12_MONTHS, _("Last 12 months")),
            (RANGE_ALL, _("All time")),
        ],
        required=False,
    )

    def range_key(self) -> str:
        """The chosen period; the default one for a missing or unknown value."""
        if self.is_valid() and self.cleaned_data["range"]:
            return self.cleaned_data["range"]
        return DEFAULT_RANGE


class AnalyticsForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Enrollments per"),
        choices=[("month", _("Month")), ("week", _("Week"))],
        required=False,
    )

    def bucket(self) -> str:
        if self.is_valid() and self.cleaned_data["by"]:
            return self.cleaned_data["by"]
        return "month"


def range_from_query(query) -> tuple[DashboardRangeForm, str]:
    """The period asked for in the query string, and a form showing it (bad values fall back)."""
    key = DashboardRangeForm(query).range_key()
    return DashboardRangeForm({"range": key}), key


def bucket_from_query(query) -> tuple[AnalyticsForm, str]:
    bucket = AnalyticsForm(query).bucket()
    return AnalyticsForm({"by": bucket}), bucket

"""Turn dashboard figures into charts and display strings."""

from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboards.charts import Chart, Point


def money(amount: Decimal, currency: str) -> str:
    return f"{Decimal(amount):,.2f} {currency.upper()}"


def bucket_label(day: date, bucket: str) -> str:
    if bucket == "month":
        return date_format(day, "M Y")
    if bucket == "week":
        return _("week of %(day)s") % {"day": date_format(day, "j M Y")}
    return date_format(day, "j M")


def bucket_name(bucket: str) -> str:
    return {"month": _("Month"), "week": _("Week"), "day": _("Day")}[bucket]


def revenue_charts(dashboard) -> list[Chart]:
    """One column chart per currency: amounts in different currencies never share an axis."""
    return [
        Chart(
            chart_id=f"revenue-{currency}",
            title=_("Net revenue in %(currency)s") % {"currency": currency.upper()},
            x_label=bucket_name(dashboard.bucket),
            y_label=currency.upper(),
            points=[
                Point(bucket_label(day, dashboard.bucket), value, money(value, currency))
                for day, value in series
            ],
            description=_("Paid orders less refunds, by date of payment."),
        )
        for currency, series in dashboard.revenue_by_bucket.items()
    ]


def enrollment_chart(series, bucket: str, chart_id: str = "enrollments") -> Chart:
    return Chart(
        chart_id=chart_id,
        title=_("New enrollments"),
        x_label=bucket_name(bucket),
        y_label=_("Enrollments"),
        points=[Point(bucket_label(day, bucket), n) for day, n in series],
        description=_("Active enrollments by date of enrollment."),
    )


def top_enrollment_chart(rows) -> Chart:
    return Chart(
        chart_id="top-enrollments",
        title=_("Top courses by new enrollments"),
        x_label=_("Course"),
        y_label=_("Enrollments"),
        kind="bars",
        points=[Point(row["course__title"], row["n"]) for row in rows],
    )


def top_revenue_charts(top_by_revenue) -> list[Chart]:
    return [
        Chart(
            chart_id=f"top-revenue-{currency}",
            title=_("Top courses by net revenue in %(currency)s") % {"currency": currency.upper()},
            x_label=_("Course"),
            y_label=currency.upper(),
            kind="bars",
            points=[
                Point(row["course__title"], row["net"], money(row["net"], currency)) for row in rows
            ],
        )
        for currency, rows in top_by_revenue.items()
    ]


def funnel_chart(funnel) -> Chart:
    return Chart(
        chart_id="funnel",
        title=_("Students who completed each module"),
        x_label=_("Module"),
        y_label=_("% of active students"),
        kind="bars",
        max_value=100,
        points=[Point(step.title, round(step.share, 1), f"{step.share:.1f}%") for step in funnel],
        description=_("Modules in course order."),
    )


def rating_chart(ratings: dict[int, int]) -> Chart:
    points = [
        Point(ngettext("%(stars)d star", "%(stars)d stars", s) % {"stars": s}, ratings[s])
        for s in range(5, 0, -1)
    ]
    return Chart(
        chart_id="ratings",
        title=_("Rating distribution"),
        x_label=_("Rating"),
        y_label=_("Reviews"),
        kind="bars",
        # Five empty rows say nothing: no reviews is shown as no data.
        points=points if any(ratings.values()) else [],
        description=_("Visible reviews only."),
    )

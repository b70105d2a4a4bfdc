from django import template
from django.core.cache import cache

from dashboards import presentation
from dashboards.forms import range_from_query
from dashboards.selectors import admin_dashboard

register = template.Library()

DASHBOARD_CACHE_SECONDS = 60


@register.inclusion_tag("dashboards/admin_dashboard.html", takes_context=True)
def admin_dashboard_panel(context):
    """The business dashboard on the admin index (a staff-only page: the admin checks it)."""
    request = context["request"]
    form, range_key = range_from_query(request.GET)
    # Aggregating every order and enrollment costs ~200 ms at 100,000 orders (docs/bench.md);
    # figures a minute old are fine for this overview, so admins share one computation.
    dashboard = cache.get_or_set(
        f"dashboards:admin:{range_key}",
        lambda: admin_dashboard(range_key=range_key),
        DASHBOARD_CACHE_SECONDS,
    )
    return {
        "form": form,
        "dashboard": dashboard,
        "revenue": [
            {
                "row": row,
                "gross": presentation.money(row.gross, row.currency),
                "refunded": presentation.money(row.refunded, row.currency),
                "net": presentation.money(row.net, row.currency),
            }
            for row in dashboard.revenue
        ],
        "revenue_charts": presentation.revenue_charts(dashboard),
        "enrollment_chart": presentation.enrollment_chart(
            dashboard.enrollments_by_bucket, dashboard.bucket
        ),
        "top_revenue_charts": presentation.top_revenue_charts(dashboard.top_by_revenue),
        "top_enrollment_chart": presentation.top_enrollment_chart(dashboard.top_by_enrollments),
    }

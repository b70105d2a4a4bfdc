from django import template

from core import cache
from dashboards import presentation
from dashboards.forms import range_from_query
from dashboards.selectors import AdminDashboard, admin_dashboard

register = template.Library()

# Aggregating every order and enrollment costs ~200 ms at 100,000 orders (docs/bench.md);
# figures a minute old are fine for this overview, so admins share one computation. No
# version: the timeout alone bounds the lag.
ADMIN_DASHBOARD = cache.Kind(
    "admin-dashboard", shape=AdminDashboard, versions=lambda range_key: [], timeout=60
)


@register.inclusion_tag("dashboards/admin_dashboard.html", takes_context=True)
def admin_dashboard_panel(context):
    """The business dashboard on the admin index (a staff-only page: the admin checks it)."""
    request = context["request"]
    form, range_key = range_from_query(request.GET)
    dashboard = cache.get(ADMIN_DASHBOARD(range_key), lambda: admin_dashboard(range_key=range_key))
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

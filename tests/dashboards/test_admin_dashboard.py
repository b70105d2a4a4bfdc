import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import Course
from dashboards.selectors import admin_dashboard, month_start
from payments.models import Order
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    OrderFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


def revenue(dashboard):
    return {r.currency: (r.orders, r.gross, r.refunded, r.net) for r in dashboard.revenue}


def test_all_time_figures(shop):
    d = admin_dashboard(range_key="all")
    assert (d.students, d.instructors) == (5, 2)
    assert (d.published_courses, d.draft_courses) == (3, 1)
    # 10 enrollments, 2 revoked.
    assert d.active_enrollments == 8
    assert (d.new_enrollments, d.new_free_enrollments, d.new_paid_enrollments) == (8, 3, 4)
    # The breakdown adds up: the rest were granted by an admin.
    assert d.new_granted_enrollments == 1
    assert d.orders_needing_review == 1
    # usd: 50 paid, 50 paid and fully refunded, 50 paid with 20 refunded; the needs-review
    # order is left out. eur: two orders of 45. Never one total across currencies.
    assert revenue(d) == {
        "usd": (3, Decimal("150"), Decimal("70"), Decimal("80")),
        "eur": (2, Decimal("90"), Decimal("0"), Decimal("90")),
    }
    assert [(r["course__title"], r["net"]) for r in d.top_by_revenue["usd"]] == [
        ("Python", Decimal("80"))
    ]
    assert [(r["course__title"], r["net"]) for r in d.top_by_revenue["eur"]] == [
        ("Design", Decimal("90"))
    ]
    # Ties in creation order.
    assert [(r["course__title"], r["n"]) for r in d.top_by_enrollments] == [
        ("Python", 3),
        ("Free intro", 3),
        ("Design", 2),
    ]
    assert len(d.recent_orders) == 8
    assert d.recent_orders[0].status == Order.Status.FAILED  # the newest first


def test_last_12_months_and_30_days(shop):
    year = admin_dashboard(range_key="12m")
    assert revenue(year) == {
        "usd": (3, Decimal("150"), Decimal("70"), Decimal("80")),
        "eur": (1, Decimal("45"), Decimal("0"), Decimal("45")),
    }
    assert (year.new_enrollments, year.new_free_enrollments, year.new_paid_enrollments) == (
        6,
        3,
        3,
    )
    assert [(r["course__title"], r["n"]) for r in year.top_by_enrollments] == [
        ("Free intro", 3),
        ("Python", 2),
        ("Design", 1),
    ]
    month = admin_dashboard(range_key="30d")
    assert revenue(month) == {
        "usd": (1, Decimal("50"), Decimal("0"), Decimal("50")),
        "eur": (1, Decimal("45"), Decimal("0"), Decimal("45")),
    }
    assert (month.new_enrollments, month.new_free_enrollments, month.new_paid_enrollments) == (
        4,
        2,
        2,
    )
    for figures in (year, month):
        assert figures.new_enrollments == (
            figures.new_free_enrollments
            + figures.new_paid_enrollments
            + figures.new_granted_enrollments
        )
    # Current state does not depend on the period.
    assert (month.students, month.active_enrollments, month.orders_needing_review) == (5, 8, 1)


def test_monthly_series_per_currency(shop):
    d = admin_dashboard(range_key="12m")
    assert d.bucket == "month"
    usd = dict(d.revenue_by_bucket["usd"])
    eur = dict(d.revenue_by_bucket["eur"])
    # Twelve calendar months, the current one last, zeros where nothing was paid.
    assert len(usd) == len(eur) == 12
    assert list(usd)[-1] == month_start(timezone.localdate())
    recent = month_start(timezone.localdate(shop.now - timedelta(days=5)))
    months_ago = month_start(timezone.localdate(shop.now - timedelta(days=60)))
    expected_usd = {recent: Decimal("50")}
    expected_usd[months_ago] = expected_usd.get(months_ago, 0) + Decimal("30")
    assert {k: v for k, v in usd.items() if v} == expected_usd
    assert {k: v for k, v in eur.items() if v} == {recent: Decimal("45")}
    enrollments = dict(d.enrollments_by_bucket)
    assert sum(enrollments.values()) == 6


def test_months_follow_the_current_time_zone(db):
    # 02:00 UTC on 1 March is still 28 February in New York.
    paid_at = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    OrderFactory(status=Order.Status.PAID, paid_amount=Decimal("10.00"), paid_at=paid_at)
    with timezone.override("America/New_York"):
        series = admin_dashboard(range_key="all").revenue_by_bucket["usd"]
    assert series[0] == (date(2025, 2, 1), Decimal("10"))
    with timezone.override("UTC"):
        series = admin_dashboard(range_key="all").revenue_by_bucket["usd"]
    assert series[0] == (date(2025, 3, 1), Decimal("10"))


def test_last_30_days_by_day(shop):
    d = admin_dashboard(range_key="30d")
    assert d.bucket == "day"
    assert len(d.enrollments_by_bucket) == 31
    assert sum(n for _, n in d.enrollments_by_bucket) == 4


def test_empty_site(db):
    d = admin_dashboard(range_key="12m")
    assert d.revenue == [] and d.revenue_by_bucket == {} and d.top_by_revenue == {}
    assert d.active_enrollments == 0
    assert [n for _, n in d.enrollments_by_bucket] == [0] * 12


# --- The page ---------------------------------------------------------------------------


def figure(html, name):
    match = re.search(rf'data-figure="{name}">\s*([^<\s]+)', html)
    return match.group(1)


def test_admin_index_shows_the_dashboard_above_the_app_list(client, shop):
    CourseFactory(title="Retired", status=Course.Status.ARCHIVED)
    client.force_login(shop.admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("data-admin-dashboard") < html.index('id="content-main"')
    assert 'href="/static/css/dashboard.css"' in html
    assert figure(html, "students") == "5"
    assert figure(html, "instructors") == "2"
    assert figure(html, "published-courses") == "3"
    assert figure(html, "draft-courses") == "1"
    assert figure(html, "archived-courses") == "1"
    assert figure(html, "active-enrollments") == "8"
    assert figure(html, "needs-review") == "1"
    assert "3 free, 3 paid, 0 granted by admins" in html  # the last 12 months
    assert re.search(r'data-currency="usd">.*?data-net>80\.00 USD<', html, re.S)
    assert re.search(r'data-currency="eur">.*?data-net>45\.00 EUR<', html, re.S)
    assert 'aria-labelledby="revenue-usd-title revenue-usd-desc"' in html
    assert 'id="revenue-eur-title"' in html
    assert "Data table: New enrollments" in html
    # Revenue in usd and eur, new enrollments, top courses in usd, in eur and by enrollments.
    assert html.count('<svg class="chart-svg"') == 6


@pytest.mark.parametrize(
    ("query", "selected", "eur_net"),
    [
        ("", "12m", "45.00"),
        ("?range=12m", "12m", "45.00"),
        ("?range=30d", "30d", "45.00"),
        ("?range=all", "all", "90.00"),
        ("?range=forever", "12m", "45.00"),
        ("?range=30d&range=all", "all", "90.00"),
    ],
)
def test_date_range_filter(client, shop, query, selected, eur_net):
    client.force_login(shop.admin)
    response = client.get(f"/admin/{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{selected}" selected>' in html
    assert re.search(rf'data-currency="eur">.*?data-net>{eur_net} EUR<', html, re.S)


def test_only_admins_see_the_dashboard(client, shop):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    for user in (shop.students[0], shop.instructor):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302
        assert b"data-admin-dashboard" not in response.content
    client.force_login(shop.admin)
    assert b"data-admin-dashboard" in client.get("/admin/").content


def test_empty_dashboard_renders(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/?range=all")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No paid orders in this period." in html
    assert "No orders yet." in html
    assert "No data for this period." in html


def test_a_refund_recorded_before_its_payment_is_not_revenue_yet(client, admin_user):
    """A full refund that reached the webhook before the payment leaves the dashboard whole."""
    # What a charge.refunded event arriving before checkout.session.completed leaves: a
    # refunded order with no payment recorded yet.
    OrderFactory(
        status=Order.Status.REFUNDED,
        paid_at=None,
        refunded_amount=Decimal("49.00"),
        refunded_at=timezone.now(),
    )

    assert admin_dashboard(range_key="all").revenue == []
    client.force_login(admin_user)
    response = client.get("/admin/?range=all")
    assert response.status_code == 200
    assert "-49.00" not in response.content.decode()


def _more_activity(count):
    courses = [CourseFactory(price=Decimal("20.00"), currency=cur) for cur in ("usd", "eur", "gbp")]
    now = timezone.now()
    for i in range(count):
        student = StudentFactory()
        course = courses[i % 3]
        EnrollmentFactory(student=student, course=course)
        OrderFactory(
            student=student,
            course=course,
            status=Order.Status.PAID,
            paid_amount=course.price,
            paid_currency=course.currency,
            paid_at=now - timedelta(days=i * 11),
        )


@pytest.mark.parametrize("extra", [0, 60])
def test_query_budget_does_not_grow_with_data(client, shop, django_assert_max_num_queries, extra):
    _more_activity(extra)
    client.force_login(shop.admin)
    for range_key in ("30d", "12m", "all"):
        # Session, user, the admin's recent actions, and the dashboard's ten.
        with django_assert_max_num_queries(13):
            assert client.get(f"/admin/?range={range_key}").status_code == 200


def test_admins_share_the_figures_for_a_minute(client, shop, django_assert_max_num_queries):
    client.force_login(shop.admin)
    assert client.get("/admin/?range=12m").status_code == 200
    # Session, user and recent actions only: the dashboard's ten queries are not repeated.
    with django_assert_max_num_queries(3):
        response = client.get("/admin/?range=12m")
    assert response.status_code == 200
    assert "Revenue" in response.content.decode()

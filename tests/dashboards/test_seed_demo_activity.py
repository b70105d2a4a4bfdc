from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dashboards.selectors import admin_dashboard, course_analytics
from payments.models import Order
from progress.models import Enrollment, LectureCompletion, Review
from tests.factories import course_with_lectures

pytestmark = pytest.mark.django_db


def counts():
    return (
        Order.objects.count(),
        Enrollment.objects.count(),
        LectureCompletion.objects.count(),
        Review.objects.count(),
    )


def test_populates_the_dashboards_once(settings):
    settings.DEBUG = True
    courses = [course_with_lectures(price=Decimal(p)) for p in ("0.00", "20.00", "35.00", "0.00")]
    call_command("seed_demo_activity", stdout=StringIO())
    first = counts()
    call_command("seed_demo_activity", stdout=StringIO())
    assert counts() == first
    assert all(first)
    assert Order.objects.filter(status=Order.Status.REFUNDED).count() == 1
    assert Enrollment.objects.filter(status=Enrollment.Status.REVOKED).count() == 1
    dashboard = admin_dashboard(range_key="all")
    assert {r.currency for r in dashboard.revenue} == {"usd", "eur"}
    assert all(r.net > 0 for r in dashboard.revenue)
    assert sum(n for _, n in dashboard.enrollments_by_bucket) == dashboard.active_enrollments
    busy = [b for _, b in dashboard.enrollments_by_bucket if b]
    assert len(busy) > 3  # spread over several months
    analytics = course_analytics(course=courses[0])
    assert analytics.active_enrollments and analytics.funnel[0].completed
    assert analytics.rating_count


def test_refuses_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("seed_demo_activity")
    assert counts() == (0, 0, 0, 0)


def test_needs_demo_courses(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_activity")

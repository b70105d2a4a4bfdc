from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from courses.models import Course
from dashboards.selectors import admin_dashboard, course_analytics
from payments.models import Order
from progress.models import Enrollment, LectureCompletion, Review
from progress.services import enrollment_revoke
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


def seed_activity() -> str:
    out = StringIO()
    call_command("seed_demo_activity", stdout=out)
    return out.getvalue()


def test_demo_learners_can_log_in_with_the_printed_password(settings, client):
    settings.DEBUG = True
    course_with_lectures(price=Decimal("0.00"))
    output = seed_activity()
    assert "demo-learner-01@example.com" in output and "edusphere-learner" in output
    learners = User.objects.filter(email__startswith="demo-learner-")
    assert learners.count() == 24
    assert all(user.check_password("edusphere-learner") for user in learners)
    assert client.login(email="demo-learner-24@example.com", password="edusphere-learner")


def test_a_second_run_keeps_what_an_admin_changed(settings):
    settings.DEBUG = True
    for price in ("0.00", "20.00", "35.00", "0.00"):
        course_with_lectures(price=Decimal(price))
    seed_activity()
    refunded = Order.objects.get(status=Order.Status.REFUNDED)
    regranted = Enrollment.objects.get(status=Enrollment.Status.REVOKED)
    regranted.status, regranted.revoked_at = Enrollment.Status.ACTIVE, None
    regranted.save()
    revoked = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE).exclude(pk=regranted.pk)[0]
    enrollment_revoke(enrollment=revoked)
    paid = Order.objects.filter(status=Order.Status.PAID).first()
    Order.objects.filter(pk=paid.pk).update(status=Order.Status.REFUNDED)
    hidden = Review.objects.filter(is_visible=False).first()
    hidden.is_visible = True
    hidden.save()
    edited = Review.objects.filter(is_visible=True).exclude(pk=hidden.pk).first()
    edited.text = "Edited by an admin."
    edited.save()
    euro = Course.objects.get(currency="eur")
    euro.currency = "usd"
    euro.save()
    learner = User.objects.get(email="demo-learner-03@example.com")
    learner.name = "Renamed Learner"
    learner.save()
    course_with_lectures(price=Decimal("0.00"))  # published since: gets no demo activity
    before = counts()

    output = seed_activity()

    assert "(0 created now)" in output
    assert counts() == before
    refunded.refresh_from_db()
    assert refunded.status == Order.Status.REFUNDED
    regranted.refresh_from_db()
    assert regranted.status == Enrollment.Status.ACTIVE
    revoked.refresh_from_db()
    assert revoked.status == Enrollment.Status.REVOKED
    paid.refresh_from_db()
    assert paid.status == Order.Status.REFUNDED
    hidden.refresh_from_db()
    assert hidden.is_visible
    edited.refresh_from_db()
    assert edited.text == "Edited by an admin."
    euro.refresh_from_db()
    assert euro.currency == "usd"
    learner.refresh_from_db()
    assert learner.name == "Renamed Learner"


def test_a_second_run_only_reads(settings, django_assert_max_num_queries):
    settings.DEBUG = True
    course_with_lectures(price=Decimal("20.00"))
    seed_activity()
    with django_assert_max_num_queries(6) as queries:
        seed_activity()
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if not q.startswith(("SELECT", "SAVEPOINT", "RELEASE"))]

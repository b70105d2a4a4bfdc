import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboards.selectors import course_analytics
from progress.models import Enrollment
from tests.factories import (
    EnrollmentFactory,
    LectureCompletionFactory,
    ReviewFactory,
    course_with_lectures,
)

pytestmark = pytest.mark.django_db


def url(course, query=""):
    return f"/teach/{course.slug}/analytics/{query}"


def test_figures(shop):
    a = course_analytics(course=shop.python)
    # s1, s3 and s4 are active; s2 was refunded (revoked) and never counts.
    assert a.active_enrollments == 3
    assert a.completed_enrollments == 1
    assert a.published_lectures == 4
    # Module 1: s1 and s3 did both published lectures (the unpublished one is not needed);
    # module 2: only s1. The unpublished module and the one without lectures are left out.
    assert [(s.title, s.lectures, s.completed) for s in a.funnel] == [
        ("Basics", 2, 2),
        ("Functions", 2, 1),
    ]
    assert [round(s.share, 2) for s in a.funnel] == [66.67, 33.33]
    # (4 + 2 + 1) completed published lectures of 3 x 4.
    assert round(a.average_progress, 2) == 58.33
    # The hidden 1-star review is not counted.
    assert a.ratings == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert round(a.rating_average, 2) == 3.67
    assert [r.text for r in a.recent_reviews] == ["Too fast", "Good", "Loved it"]


def test_timeline_by_month_and_week(shop):
    by_month = course_analytics(course=shop.python, bucket="month")
    assert len(by_month.enrollments_by_bucket) == 12
    # Active enrollments of the last 12 months: s1 (5 days ago) and s3 (60 days ago).
    assert sum(n for _, n in by_month.enrollments_by_bucket) == 2
    by_week = course_analytics(course=shop.python, bucket="week")
    assert len(by_week.enrollments_by_bucket) == 12
    assert all(day.weekday() == 0 for day, _ in by_week.enrollments_by_bucket)
    assert sum(n for _, n in by_week.enrollments_by_bucket) == 2


def test_course_without_activity(db):
    course = course_with_lectures(modules=1, lectures_per_module=1)
    a = course_analytics(course=course)
    assert a.active_enrollments == 0 and a.average_progress == 0
    assert [(s.completed, s.share) for s in a.funnel] == [(0, 0.0)]
    assert a.rating_average is None and a.recent_reviews == []


def test_page_shows_the_figures(client, shop):
    client.force_login(shop.instructor)
    response = client.get(url(shop.python))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Analytics: Python</h1>" in html
    assert re.search(r'data-figure="active-enrollments">3<', html)
    assert re.search(r'data-figure="average-progress">58\.3%<', html)
    assert re.search(r'data-figure="rating-average">3\.67 ', html)
    shares = re.findall(r"<td data-share>([^<]+)</td>", html)
    assert shares == ["66.7%", "33.3%"]
    assert "Hidden rant" not in html
    assert "Loved it" in html
    for chart_id in ("enrollments", "funnel", "ratings"):
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in html
    # The strict CSP applies here: no inline styles or scripts.
    assert "Content-Security-Policy" in response.headers
    assert "style=" not in html and "<script>" not in html


@pytest.mark.parametrize(
    ("query", "selected"), [("", "month"), ("?by=week", "week"), ("?by=x", "month")]
)
def test_period_choice(client, shop, query, selected):
    client.force_login(shop.instructor)
    html = client.get(url(shop.python, query)).content.decode()
    assert f'<option value="{selected}" selected>' in html


def test_access(client, shop):
    response = client.get(url(shop.python))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for outsider in (shop.students[0], shop.other_instructor):
        client.force_login(outsider)
        assert client.get(url(shop.python)).status_code == 404
    client.force_login(shop.instructor)
    assert client.get(url(shop.python)).status_code == 200
    assert client.get(url(shop.draft)).status_code == 200  # assigned drafts too
    assert client.get(url(shop.design)).status_code == 404
    assert client.get("/teach/no-such-course/analytics/").status_code == 404
    client.force_login(shop.admin)
    for course in (shop.python, shop.design, shop.draft):
        assert client.get(url(course)).status_code == 200


def test_empty_course_page(client, shop):
    client.force_login(shop.instructor)
    html = client.get(url(shop.draft)).content.decode()
    assert "No published lectures yet." in html
    assert "No reviews yet" in html
    assert "No data for this period." in html


def _grow(course, count):
    lectures = [lec for m in course.modules.all() for lec in m.lectures.all()]
    now = timezone.now()
    for i in range(count):
        enrollment = EnrollmentFactory(course=course)
        Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=now - timedelta(days=3 * i))
        for lecture in lectures[: i % (len(lectures) + 1)]:
            LectureCompletionFactory(enrollment=enrollment, lecture=lecture)
        ReviewFactory(course=course, student=enrollment.student, rating=i % 5 + 1)


@pytest.mark.parametrize("extra", [0, 40])
def test_query_budget_does_not_grow_with_data(client, shop, django_assert_max_num_queries, extra):
    _grow(shop.python, extra)
    client.force_login(shop.instructor)
    for query in ("", "?by=week"):
        # Session, user, the course, the six analytics queries, and base.html's unread count
        # (two, as the header reads it twice).
        with django_assert_max_num_queries(11):
            assert client.get(url(shop.python, query)).status_code == 200

"""Posting announcements from the workspace: who may, what the page shows, the limits."""

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from courses.models import Course
from notifications.models import Notification
from progress.models import Announcement, Enrollment
from tests.factories import (
    AdminFactory,
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db

DATA = {"title": "Exam on Friday", "body": "Bring a **pen**."}


def page_url(course):
    return reverse("teach:announcements", args=[course.slug])


def test_the_workspace_links_to_the_announcements(teacher, course):
    html = teacher.get(reverse("teach:workspace", args=[course.slug])).content.decode()
    assert f'href="{page_url(course)}"' in html


def test_the_page_offers_the_form_and_lists_past_announcements(teacher, instructor, course):
    Announcement.objects.create(
        course=course, author=instructor, title="Welcome", body="Hello *all*", delivered_count=3
    )
    response = teacher.get(page_url(course))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="title"' in html and 'name="body"' in html
    assert "Welcome" in html and "<em>all</em>" in html
    assert "Sending: 3 students so far" in html


def test_posting_writes_the_announcement_and_notifies_after_commit(
    teacher, instructor, course, committed
):
    students = [EnrollmentFactory(course=course).student for _ in range(2)]
    with committed():
        response = teacher.post(page_url(course), DATA)
    assert response.status_code == 302 and response["Location"] == page_url(course)
    announcement = Announcement.objects.get()
    assert (announcement.author, announcement.title) == (instructor, "Exam on Friday")
    notified = Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT)
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted(s.pk for s in students)
    html = teacher.get(page_url(course)).content.decode()
    assert "Announcement posted" in html
    assert "Sent to 2 students" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "body": "Text"}, "This field is required."),
        ({"title": "   ", "body": "Text"}, "This field is required."),
        ({"title": "x" * 201, "body": "Text"}, "at most 200 characters"),
        ({"title": "Title", "body": ""}, "This field is required."),
        ({"title": "Title", "body": "x" * 10_001}, "at most 10000 characters"),
        ({}, "This field is required."),
    ],
)
def test_bad_input_is_a_form_error(teacher, course, data, message):
    response = teacher.post(page_url(course), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Announcement.objects.exists()


def test_the_hourly_limit_is_a_form_error(teacher, course, settings):
    settings.ANNOUNCEMENTS_PER_HOUR = 2
    for _ in range(2):
        assert teacher.post(page_url(course), DATA).status_code == 302
    response = teacher.post(page_url(course), {**DATA, "title": "Third"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "A course may post 2 announcements an hour." in html
    assert 'role="alert"' in html
    assert Announcement.objects.count() == 2
    # What was typed stays in the form.
    assert 'value="Third"' in html


def test_a_draft_course_offers_no_form(teacher, course):
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    html = teacher.get(page_url(course)).content.decode()
    assert 'name="body"' not in html
    response = teacher.post(page_url(course), DATA)
    assert response.status_code == 400
    assert "Only a published course" in response.content.decode()
    assert not Announcement.objects.exists()


def test_markdown_is_sanitised(teacher, course):
    body = (
        "<script>alert(1)</script>\n\n[click](javascript:alert(2)) "
        '<img src=x onerror="alert(3)"> **safe**'
    )
    assert teacher.post(page_url(course), {"title": "<b>T</b>", "body": body}).status_code == 302
    html = teacher.get(page_url(course)).content.decode()
    assert "<script>alert(1)" not in html
    # Raw HTML stays text (escaped); no link or attribute runs script.
    assert not re.search(r"<a[^>]+javascript:", html)
    assert not re.search(r"<[a-z]+[^>]*\sonerror=", html)
    assert "&lt;img" in html
    assert "<strong>safe</strong>" in html
    assert "&lt;b&gt;T&lt;/b&gt;" in html


# --- Who may use the page --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_users_go_to_the_login_page(client, course, method):
    response = getattr(client, method)(page_url(course), DATA)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Announcement.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_student_gets_404_even_when_enrolled(client, course, method):
    student = StudentFactory()
    EnrollmentFactory(student=student, course=course)
    client.force_login(student)
    assert getattr(client, method)(page_url(course), DATA).status_code == 404
    assert not Announcement.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_instructor_gets_404(client, course, method):
    client.force_login(InstructorFactory())
    assert getattr(client, method)(page_url(course), DATA).status_code == 404
    assert not Announcement.objects.exists()


def test_an_admin_posts_to_any_course(client, course):
    admin = AdminFactory()
    client.force_login(admin)
    assert client.get(page_url(course)).status_code == 200
    assert client.post(page_url(course), DATA).status_code == 302
    assert Announcement.objects.get().author == admin


def test_an_unknown_course_is_404(teacher):
    assert teacher.get(reverse("teach:announcements", args=["nope"])).status_code == 404


# --- The request's cost does not grow with the course ----------------------------------------


def _post_queries(client, course) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        # The test's transaction never commits: the fan-out's tasks do not run here, as
        # they do not run inside the request in production (they are enqueued on commit).
        response = client.post(page_url(course), DATA)
    assert response.status_code == 302
    return [q["sql"] for q in queries]


def test_posting_costs_the_same_queries_for_any_course_size(teacher, instructor):
    small = CourseFactory(instructors=[instructor])
    EnrollmentFactory(course=small)
    large = CourseFactory(instructors=[instructor])
    password = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"many{i}@example.com", password=password) for i in range(3000)
    )
    Enrollment.objects.bulk_create(Enrollment(student=user, course=large) for user in users)

    teacher.get(page_url(small))  # the logged-in user's row, cached as on any later request
    small_queries = _post_queries(teacher, small)
    large_queries = _post_queries(teacher, large)

    assert len(large_queries) == len(small_queries)
    # Nothing in the request reads the enrollments or writes a notification.
    for sql in large_queries:
        assert "progress_enrollment" not in sql and "notifications_notification" not in sql
    assert not Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT).exists()


@pytest.mark.parametrize("count", [1, 15])
def test_the_page_query_budget_does_not_grow(
    teacher, instructor, course, count, django_assert_max_num_queries
):
    for i in range(count):
        Announcement.objects.create(course=course, author=instructor, title=f"N{i}", body="B")
    teacher.get(page_url(course))  # the logged-in user's row, cached as on any later request
    # session, the course (with the instructor check), the page's count and rows (authors
    # joined), the header's unread count.
    with django_assert_max_num_queries(5):
        response = teacher.get(page_url(course))
    assert response.content.decode().count('class="card stack announcement"') == count

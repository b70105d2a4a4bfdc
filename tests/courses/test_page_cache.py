"""Anonymous public pages come from the cache, and are forgotten as soon as they change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Course
from courses.services import courses_status_set
from courses.views import catalog_page_key
from progress.services import review_upsert
from teaching.services import lecture_move
from tests.factories import (
    AdminFactory,
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    StudentFactory,
    course_with_lectures,
)

pytestmark = pytest.mark.django_db

PAGES = ["/", "/courses/", "/courses/?q=python&sort=rating"]


@pytest.mark.parametrize("path", PAGES)
def test_a_second_anonymous_visit_needs_no_database(client, django_assert_num_queries, path):
    CourseFactory(title="Python for everyone", is_featured=True)
    first = client.get(path)
    with django_assert_num_queries(0):
        second = client.get(path)
    assert second.status_code == 200
    assert second.content == first.content


def test_course_detail_is_cached_for_anonymous_visitors(client, django_assert_num_queries):
    course = CourseFactory()
    client.get(course.get_absolute_url())
    with django_assert_num_queries(0):
        assert client.get(course.get_absolute_url()).status_code == 200


def test_an_edit_shows_at_once(client, django_capture_on_commit_callbacks):
    course = CourseFactory(title="Old title")
    assert "Old title" in client.get("/courses/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        course.title = "New title"
        course.save()
    html = client.get("/courses/").content.decode()
    assert "New title" in html and "Old title" not in html


def test_a_new_review_shows_at_once(client, django_capture_on_commit_callbacks):
    course = CourseFactory()
    student = StudentFactory()
    EnrollmentFactory(student=student, course=course)
    assert "Clear and kind" not in client.get(course.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        review_upsert(student=student, course=course, rating=5, text="Clear and kind")
    assert "Clear and kind" in client.get(course.get_absolute_url()).content.decode()


def test_logged_in_pages_are_never_served_from_or_into_the_cache(client):
    course = CourseFactory()
    student = StudentFactory(name="Priya Personal")
    client.force_login(student)
    assert "Priya Personal" in client.get(course.get_absolute_url()).content.decode()
    client.logout()
    anonymous = client.get(course.get_absolute_url()).content.decode()
    assert "Priya Personal" not in anonymous
    client.force_login(student)
    assert "Priya Personal" in client.get(course.get_absolute_url()).content.decode()


def test_a_page_with_a_pending_message_is_not_cached(client):
    course = course_with_lectures(modules=1, lectures_per_module=1, price="10.00")
    lecture = course.modules.get().lectures.get()
    client.get(course.get_absolute_url())  # now cached, without any message
    # A visitor bounced from a paid lecture sees why on the course page...
    bounced = client.get(f"/learn/{course.slug}/lectures/{lecture.pk}/", follow=True)
    assert "Enroll in this course to open that lecture." in bounced.content.decode()
    # ...and nobody else ever does.
    html = client.__class__().get(course.get_absolute_url()).content.decode()
    assert "Enroll in this course to open that lecture." not in html


def test_a_bulk_archive_shows_at_once(client, django_capture_on_commit_callbacks):
    course = CourseFactory(title="Soon archived")
    assert "Soon archived" in client.get("/courses/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        courses_status_set(
            actor=AdminFactory(), courses=Course.objects.all(), status=Course.Status.ARCHIVED
        )
    assert "Soon archived" not in client.get("/courses/").content.decode()
    assert client.get(course.get_absolute_url()).status_code == 404


def test_a_reordered_outline_shows_at_once(client, django_capture_on_commit_callbacks):
    instructor = InstructorFactory()
    course = course_with_lectures(modules=1, lectures_per_module=2, instructors=[instructor])
    first, second = course.modules.get().lectures.order_by("order")
    html = client.get(course.get_absolute_url()).content.decode()
    assert html.index(first.title) < html.index(second.title)
    with django_capture_on_commit_callbacks(execute=True):
        lecture_move(actor=instructor, lecture=second, direction="up")
    html = client.get(course.get_absolute_url()).content.decode()
    assert html.index(second.title) < html.index(first.title)


def test_a_lost_version_never_brings_back_older_entries(client, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from courses.models import CONTENT_VERSIONS

    course = CourseFactory(title="First title")
    assert "First title" in client.get("/courses/").content.decode()  # cached, version v
    with django_capture_on_commit_callbacks(execute=True):
        course.title = "Second title"
        course.save()  # a new version; the page cached under v stays in the cache until it expires
    cache.delete(CONTENT_VERSIONS.of().key)  # evicted, or Redis restarted with part of its keys
    html = client.get("/courses/").content.decode()
    assert "Second title" in html and "First title" not in html


def test_unknown_courses_are_not_kept_in_the_cache(client):
    from django.core.cache import cache

    student = StudentFactory()
    client.force_login(student)
    assert client.get("/learn/no-such-course/lectures/1/").status_code == 404
    from progress.selectors import COURSE

    assert not cache.has_key(COURSE("no-such-course").key)


@pytest.mark.parametrize(
    "query",
    [
        "utm_source=mail",  # a parameter the catalog does not know
        "level=x",  # a value the form refuses
        "sort=rating&sort=newest",  # repeated
        "q=%20python%20",  # changed by cleaning (stripped)
        "page=007",
        "page=21",  # deeper than cached pages go
        "page=-1",
    ],
)
def test_a_query_string_that_is_not_clean_filters_files_no_page(client, query):
    CourseFactory(title="Python for everyone")
    client.get(f"/courses/?{query}")

    with CaptureQueriesContext(connection) as second:
        assert client.get(f"/courses/?{query}").status_code == 200
    assert len(second.captured_queries) > 0


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("", ""),
        ("q=python&sort=rating", "q=python&sort=rating"),
        ("sort=rating&q=python", "q=python&sort=rating"),
        ("level=beginner&page=2&price=", "level=beginner&page=2"),
        ("category=web", None),  # no such category in this test
    ],
)
def test_the_catalog_key_is_made_of_the_validated_filters(rf, query, key):
    assert catalog_page_key(rf.get(f"/courses/?{query}")) == key

"""The course page: outline in order, reviews, the enroll button and a fixed query budget."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from progress.models import Review
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    LectureFactory,
    ModuleFactory,
    ReviewFactory,
    StudentFactory,
    course_with_lectures,
)


def test_detail_shows_the_course_facts(client, db):
    teachers = [InstructorFactory(name="Ada Lovelace"), InstructorFactory(name="Alan Turing")]
    course = CourseFactory(
        title="Analytical Engines",
        subtitle="Programming before computers",
        description="Learn **notes** and <script>alert(1)</script> tables.",
        level="intermediate",
        price="25.00",
        duration_minutes=95,
        instructors=teachers,
    )
    for rating in [5, 4, 4, 4, 4]:
        ReviewFactory(course=course, rating=rating)
    html = client.get(course.get_absolute_url()).content.decode()
    assert html.count("<h1>") == 1
    for text in [
        "Analytical Engines",
        "Programming before computers",
        course.category.name,
        "Intermediate",
        "25.00 USD",
        "4.2 out of 5",
        "(5 ratings)",
        "1 h 35 min",
        "Ada Lovelace, Alan Turing",
        "<strong>notes</strong>",
    ]:
        assert text in html
    assert "<script>alert" not in html


def test_outline_lists_published_modules_and_lectures_in_order(client, db):
    course = CourseFactory()
    second = ModuleFactory(course=course, order=2, title="Second module")
    first = ModuleFactory(course=course, order=1, title="First module")
    hidden = ModuleFactory(course=course, order=3, title="Hidden module", is_published=False)
    LectureFactory(module=first, order=2, title="Lecture B", duration_seconds=600)
    LectureFactory(module=first, order=1, title="Lecture A")
    LectureFactory(module=first, order=3, title="Unpublished lecture", is_published=False)
    LectureFactory(module=second, order=1, title="Lecture C")
    LectureFactory(module=hidden, order=1, title="Lecture in hidden module", is_free_preview=True)
    html = client.get(course.get_absolute_url()).content.decode()
    shown = re.findall(r"(First module|Second module|Lecture [ABC])", html)
    assert shown == ["First module", "Lecture A", "Lecture B", "Second module", "Lecture C"]
    assert "Hidden module" not in html
    assert "Unpublished lecture" not in html
    assert "Lecture in hidden module" not in html
    assert "2 modules · 3 lectures" in html
    assert "10 min" in html


def test_anonymous_visitor_is_invited_to_sign_up_or_log_in_to_enroll(client, db):
    course = CourseFactory(price="0")
    html = client.get(course.get_absolute_url()).content.decode()
    assert f'href="/accounts/signup/?next=/courses/{course.slug}/"' in html
    assert "Sign up to enroll" in html
    assert f'href="/accounts/login/?next=/courses/{course.slug}/"' in html
    assert "csrfmiddlewaretoken" not in html
    assert "Rate this course" not in html


def test_enrolled_student_continues_and_may_review(client, student):
    course = CourseFactory()
    EnrollmentFactory(student=student, course=course)
    client.force_login(student)
    html = client.get(course.get_absolute_url()).content.decode()
    assert "Continue learning" in html
    assert f'href="/learn/{course.slug}/"' in html
    assert "Rate this course" in html


def test_only_visible_reviews_show_ten_per_page(client, db):
    course = CourseFactory()
    start = timezone.now()
    for i in range(12):
        review = ReviewFactory(course=course, text=f"Review number {i:02}")
        Review.objects.filter(pk=review.pk).update(created_at=start - timedelta(minutes=i))
    ReviewFactory(course=course, text="Hidden by a moderator", is_visible=False)

    first = client.get(course.get_absolute_url()).content.decode()
    assert re.findall(r"Review number (\d\d)", first) == [f"{i:02}" for i in range(10)]
    assert "Hidden by a moderator" not in first
    assert "reviews_page=2" in first

    second = client.get(course.get_absolute_url(), {"reviews_page": "2"}).content.decode()
    assert re.findall(r"Review number (\d\d)", second) == ["10", "11"]

    for bad in ["abc", "0", "99999"]:
        assert client.get(course.get_absolute_url(), {"reviews_page": bad}).status_code == 200


def _course(size: int):
    """A course whose outline, instructors and reviews all grow with `size`."""
    course = course_with_lectures(
        modules=max(1, size // 5), lectures_per_module=5 if size >= 5 else size
    )
    course.instructors.set([InstructorFactory() for _ in range(1 + size // 20)])
    for _ in range(size):
        ReviewFactory(course=course)
    return course


@pytest.mark.parametrize("size", [2, 40])
@pytest.mark.parametrize("who", ["anonymous", "enrolled"])
def test_detail_uses_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, db, size, who
):
    course = _course(size)
    if who == "enrolled":
        student = StudentFactory()
        EnrollmentFactory(student=student, course=course)
        client.force_login(student)
    with django_assert_max_num_queries(7 if who == "anonymous" else 13):
        response = client.get(course.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count("<li>") >= size

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LectureCompletionFactory,
    LectureFactory,
    ModuleFactory,
    StudentFactory,
    course_with_lectures,
)

URL = reverse("teach:course_list")


def row(response, course):
    """The cells of one course's row, by data-count name."""
    html = response.content.decode()
    start = html.index(f'data-course="{course.slug}"')
    end = html.index("</tr>", start)
    return html[start:end]


def test_instructor_sees_only_assigned_courses(teacher, course, other_instructor):
    CourseFactory(title="Someone else's", instructors=[other_instructor])

    response = teacher.get(URL)

    assert response.status_code == 200
    assert response.context["courses"].count() == 1
    assert "Assigned" in response.content.decode()
    assert "Someone else" not in response.content.decode()


def test_admin_sees_every_course(client, admin_user, course, other_instructor):
    CourseFactory(title="Someone else's", instructors=[other_instructor])
    CourseFactory(title="Nobody's", status="draft")
    client.force_login(admin_user)

    response = client.get(URL)

    assert {c.title for c in response.context["courses"]} == {
        "Assigned",
        "Someone else's",
        "Nobody's",
    }


def test_student_is_forbidden_and_anonymous_goes_to_login(client, student):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    client.force_login(student)
    assert client.get(URL).status_code == 403


def test_counts(teacher, instructor):
    course = CourseFactory(
        title="Counted", instructors=[instructor], rating_average=Decimal("4.50"), rating_count=2
    )
    published = ModuleFactory(course=course, order=0)
    draft_module = ModuleFactory(course=course, order=1, is_published=False)
    lectures = [LectureFactory(module=published, order=i) for i in range(4)]
    LectureFactory(module=published, order=4, is_published=False)  # draft lecture
    hidden = LectureFactory(module=draft_module, order=0)  # in a draft module
    # Active enrollees: 2 of 4 lectures done (50%) and 1 of 4 (25%) -> average 37.5%.
    first, second = EnrollmentFactory(course=course), EnrollmentFactory(course=course)
    for lecture in lectures[:2]:
        LectureCompletionFactory(enrollment=first, lecture=lecture)
    LectureCompletionFactory(enrollment=first, lecture=hidden)  # does not count
    LectureCompletionFactory(enrollment=second, lecture=lectures[0])
    revoked = EnrollmentFactory(course=course, status="revoked", revoked_at="2026-01-01T00:00Z")
    for lecture in lectures:  # revoked enrollees count neither as students nor in progress
        LectureCompletionFactory(enrollment=revoked, lecture=lecture)

    (listed,) = teacher.get(URL).context["courses"]

    assert listed.module_count == 2
    assert listed.published_lecture_count == 4
    assert listed.active_enrollment_count == 2
    assert listed.average_progress == pytest.approx(37.5)
    cells = row(teacher.get(URL), course)
    assert 'data-count="modules" class="numeric">2</td>' in cells
    assert 'data-count="students" class="numeric">2</td>' in cells
    assert "38%" in cells  # rendered rounded
    assert "4.5" in cells


def test_course_without_students_or_lectures_shows_no_progress(teacher, instructor):
    course = CourseFactory(title="Empty", instructors=[instructor])

    (listed,) = teacher.get(URL).context["courses"]

    assert (listed.module_count, listed.published_lecture_count) == (0, 0)
    assert listed.active_enrollment_count == 0
    assert listed.average_progress is None
    assert "—" in row(teacher.get(URL), course)


def _courses_with_activity(instructor, n):
    student = StudentFactory()
    for _ in range(n):
        course = course_with_lectures(modules=2, lectures_per_module=2, instructors=[instructor])
        enrollment = EnrollmentFactory(course=course, student=student)
        LectureCompletionFactory(
            enrollment=enrollment, lecture=course.modules.first().lectures.first()
        )


@pytest.mark.parametrize("n", [2, 20])
def test_query_budget_does_not_grow_with_courses(
    teacher, instructor, django_assert_max_num_queries, n
):
    _courses_with_activity(instructor, n)

    # Session, user, the unread-notification badge (base.html) and one for the courses.
    with django_assert_max_num_queries(5):
        response = teacher.get(URL)

    assert len(response.context["courses"]) == n

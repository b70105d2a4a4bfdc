"""The unlock rule, through the player URL and through the selector every view uses."""

import pytest
from django.utils import timezone

from courses.models import Course
from progress.models import Enrollment, LectureCompletion
from progress.selectors import course_outline_state
from tests.factories import AdminFactory, EnrollmentFactory, InstructorFactory, StudentFactory
from tests.progress.conftest import player_url

pytestmark = pytest.mark.django_db


def _user(who, course):
    if who == "anonymous":
        return None
    if who == "instructor":
        return course.instructors.get()
    if who == "other_instructor":
        return InstructorFactory()
    if who == "admin":
        return AdminFactory()
    student = StudentFactory()
    if who in {"enrolled", "revoked"}:
        enrollment = EnrollmentFactory(student=student, course=course)
        if who == "revoked":
            enrollment.status = Enrollment.Status.REVOKED
            enrollment.revoked_at = timezone.now()
            enrollment.save()
    return student


# (who, lectures completed before the request (indexes), lecture opened, may open)
CASES = [
    ("enrolled", [], 0, True),  # first lecture
    ("enrolled", [], 1, False),  # middle, nothing done
    ("enrolled", [0], 1, True),  # after completing the one before
    ("enrolled", [0], 2, False),  # two ahead
    ("enrolled", [0, 1], 2, True),  # across a module boundary
    ("enrolled", [1], 1, False),  # completions out of order do not skip the first lecture
    ("enrolled", [], 3, True),  # free preview
    ("not_enrolled", [], 0, False),
    ("not_enrolled", [], 3, True),
    ("anonymous", [], 0, False),
    ("anonymous", [], 3, True),
    ("revoked", [0, 1, 2], 0, False),  # completions kept, access gone
    ("revoked", [], 3, True),
    ("instructor", [], 2, True),
    ("other_instructor", [], 0, False),
    ("admin", [], 2, True),
]


@pytest.mark.parametrize(("who", "done", "target", "may_open"), CASES)
def test_unlock_matrix(client, course, lectures, who, done, target, may_open):
    user = _user(who, course)
    if done:
        enrollment = Enrollment.objects.get(student=user, course=course)
        for index in done:
            LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[index])
    if user is not None:
        client.force_login(user)

    response = client.get(player_url(course, lectures[target]))

    if may_open:
        assert response.status_code == 200
        assert lectures[target].body in response.content.decode()
    else:
        assert response.status_code == 302
        assert response.url != player_url(course, lectures[target])


def test_locked_lecture_by_url_redirects_to_the_lecture_to_do_next(
    student_client, course, lectures, enrollment
):
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])

    response = student_client.get(player_url(course, lectures[2]), follow=True)

    assert response.redirect_chain[0][0] == player_url(course, lectures[1])
    assert "Complete the previous lectures first." in response.content.decode()
    assert lectures[2].body not in response.content.decode()


def test_locked_lecture_for_a_visitor_sends_them_to_the_course_page(client, course, lectures):
    response = client.get(player_url(course, lectures[1]))

    assert response.status_code == 302
    assert response.url == course.get_absolute_url()


def test_unpublished_lectures_and_modules_are_skipped_and_hidden(
    student_client, course, lectures, enrollment, django_capture_on_commit_callbacks
):
    lectures[1].is_published = False
    lectures[1].save()
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])

    assert student_client.get(player_url(course, lectures[2])).status_code == 200
    assert student_client.get(player_url(course, lectures[1])).status_code == 404

    # The player reads the lectures from the shared content cache; the commit refreshes it.
    with django_capture_on_commit_callbacks(execute=True):
        lectures[2].module.is_published = False
        lectures[2].module.save()
    assert student_client.get(player_url(course, lectures[2])).status_code == 404


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_hidden_courses_are_404_for_students_but_open_to_their_instructors(
    client, course, lectures, enrollment, status
):
    Course.objects.filter(pk=course.pk).update(status=status)
    client.force_login(enrollment.student)
    assert client.get(player_url(course, lectures[0])).status_code == 404

    client.force_login(course.instructors.get())
    assert client.get(player_url(course, lectures[0])).status_code == 200


def test_instructors_preview_unpublished_lectures_that_students_never_see(
    client, course, lectures, enrollment
):
    lectures[0].is_published = False
    lectures[0].save()

    client.force_login(course.instructors.get())
    response = client.get(player_url(course, lectures[0]))
    assert response.status_code == 200
    assert "Unpublished" in response.content.decode()

    outline = course_outline_state(user=enrollment.student, course=course)
    assert [i.lecture.pk for i in outline.items] == [lec.pk for lec in lectures[1:]]
    assert outline.items[0].state == "available"


def test_outline_states_follow_completions(student, course, lectures, enrollment):
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])

    outline = course_outline_state(user=student, course=course)

    assert [i.state for i in outline.items] == ["completed", "available", "locked", "available"]
    assert outline.next_to_do().lecture.pk == lectures[1].pk


def test_outline_reads_only_this_students_enrollment_and_completions(
    student, course, lectures, enrollment
):
    other = EnrollmentFactory(course=course)
    LectureCompletion.objects.create(enrollment=other, lecture=lectures[0])
    LectureCompletion.objects.create(enrollment=other, lecture=lectures[1])
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lecture=lectures[0])

    outline = course_outline_state(user=student, course=course)

    assert outline.enrollment.pk == enrollment.pk
    assert outline.enrollment.last_lecture_id == lectures[0].pk
    assert not outline.enrollment._state.adding  # a loaded row, which services may save
    assert outline.completed_ids == frozenset()
    assert [i.state for i in outline.items] == ["available", "locked", "locked", "available"]

"""My learning, resume, progress math under curriculum changes, and query budgets."""

from datetime import timedelta
from functools import partial

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from progress.models import Enrollment, LectureCompletion
from progress.selectors import course_outline_state, my_learning
from progress.services import TOUCH_INTERVAL
from tests.accounts.test_account_profile import png_bytes
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LectureFactory,
    StudentFactory,
    course_with_lectures,
)
from tests.progress.conftest import lectures_in_order, player_url

pytestmark = pytest.mark.django_db

MY_LEARNING = reverse("progress:my_learning")


def _percent(student, course):
    from_list = next(c.percent for c in my_learning(user=student).cards if c.course_id == course.pk)
    from_outline = course_outline_state(user=student, course=course).percent
    assert from_list == from_outline
    return from_list


def test_my_learning_lists_active_enrollments_with_progress(student_client, student, course):
    enrollment = EnrollmentFactory(student=student, course=course)
    lectures = lectures_in_order(course)
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lecture=lectures[0])
    revoked = EnrollmentFactory(
        student=student, status=Enrollment.Status.REVOKED, revoked_at=timezone.now()
    )
    EnrollmentFactory(course=course)  # someone else's

    html = student_client.get(MY_LEARNING).content.decode()

    assert course.title in html
    assert 'value="25"' in html
    assert "25% complete" in html
    assert "Last lecture: L1" in html
    assert reverse("progress:resume", args=[course.slug]) in html
    assert revoked.course.title not in html
    assert "Completed" not in html


def test_my_learning_shows_a_completed_badge(student_client, student, course):
    enrollment = EnrollmentFactory(student=student, course=course, completed_at=timezone.now())
    LectureCompletion.objects.bulk_create(
        LectureCompletion(enrollment=enrollment, lecture=lecture)
        for lecture in lectures_in_order(course)
    )

    assert "✓ Completed" in student_client.get(MY_LEARNING).content.decode()


def test_my_learning_says_completed_only_while_every_lecture_is_done(
    student_client, student, course
):
    # Finished once, then the course gained lectures: in progress again.
    EnrollmentFactory(student=student, course=course, completed_at=timezone.now())

    assert "Completed" not in student_client.get(MY_LEARNING).content.decode()


def test_my_learning_empty_state_links_to_the_catalog(student_client):
    html = student_client.get(MY_LEARNING).content.decode()

    assert "not enrolled in any course yet" in html
    assert 'href="/courses/"' in html


def test_my_learning_needs_login(client):
    assert "/accounts/login/" in client.get(MY_LEARNING).url


def test_progress_follows_curriculum_changes(
    student, course, lectures, enrollment, django_capture_on_commit_callbacks
):
    # The lectures come from the shared content cache, which each commit below refreshes.
    committed = partial(django_capture_on_commit_callbacks, execute=True)
    for lecture in lectures[:2]:
        LectureCompletion.objects.create(enrollment=enrollment, lecture=lecture)
    assert _percent(student, course) == 50

    with committed():
        LectureFactory(module=lectures[0].module, order=5)  # added: 2 of 5
    assert _percent(student, course) == 40

    with committed():
        lectures[3].delete()  # removed: 2 of 4
    assert _percent(student, course) == 50

    with committed():
        lectures[2].is_published = False  # unpublished: 2 of 3, rounded down
        lectures[2].save()
    assert _percent(student, course) == 66

    with committed():
        lectures[1].module.is_published = False  # a whole module out: completions stop counting
        lectures[1].module.save()
    assert _percent(student, course) == 0

    with committed():
        lectures[1].module.is_published = True
        lectures[1].module.save()
        # Reordering moves a completed lecture after an open one: the count is unchanged.
        lectures[0].order = 50
        lectures[0].save()
    assert _percent(student, course) == 66
    outline = course_outline_state(user=student, course=course)
    assert outline.items[0].lecture.pk == lectures[1].pk


def test_progress_of_a_course_without_lectures_is_zero(student):
    course = course_with_lectures(modules=0)
    EnrollmentFactory(student=student, course=course)

    assert _percent(student, course) == 0


def test_resume_goes_to_the_first_incomplete_open_lecture(
    student_client, course, lectures, enrollment
):
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lecture=lectures[0])

    response = student_client.get(reverse("progress:resume", args=[course.slug]))

    assert response.url == player_url(course, lectures[1])


def test_resume_after_finishing_goes_to_the_last_lecture_watched(
    student_client, course, lectures, enrollment
):
    for lecture in lectures:
        LectureCompletion.objects.create(enrollment=enrollment, lecture=lecture)
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lecture=lectures[2])

    response = student_client.get(reverse("progress:resume", args=[course.slug]))

    assert response.url == player_url(course, lectures[2])


def test_resume_without_enrollment_goes_back_to_the_course_page(client, course, lectures):
    client.force_login(StudentFactory())

    response = client.get(reverse("progress:resume", args=[course.slug]), follow=True)

    assert response.redirect_chain[-1][0] == course.get_absolute_url()
    assert "Enroll in this course to start learning." in response.content.decode()


def test_opening_a_lecture_remembers_it(student_client, course, lectures, enrollment):
    student_client.get(player_url(course, lectures[3]))

    enrollment.refresh_from_db()
    assert enrollment.last_lecture == lectures[3]


def test_reopening_a_lecture_soon_writes_nothing(
    student_client, course, lectures, enrollment, django_capture_on_commit_callbacks
):
    committed = partial(django_capture_on_commit_callbacks, execute=True)
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    with committed():
        student_client.get(player_url(course, lectures[0]))
    enrollment.refresh_from_db()
    assert enrollment.last_lecture == lectures[0]
    first_seen = enrollment.last_activity_at

    with CaptureQueriesContext(connection) as queries:
        response = student_client.get(player_url(course, lectures[0]))
    assert response.status_code == 200
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    enrollment.refresh_from_db()
    assert enrollment.last_activity_at == first_seen

    # Another lecture, or the same one after a while, is remembered again.
    with committed():
        student_client.get(player_url(course, lectures[1]))
    enrollment.refresh_from_db()
    assert enrollment.last_lecture == lectures[1]
    long_ago = timezone.now() - TOUCH_INTERVAL - timedelta(seconds=1)
    with committed():
        Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=long_ago)
    student_client.get(player_url(course, lectures[1]))
    enrollment.refresh_from_db()
    assert enrollment.last_activity_at > long_ago


# --- Query budgets: the same bound for one small course and many large ones ---------------


def _enrolled_in(student, count, modules, lectures_per_module):
    courses = []
    for _ in range(count):
        course = course_with_lectures(modules=modules, lectures_per_module=lectures_per_module)
        enrollment = EnrollmentFactory(student=student, course=course)
        first = lectures_in_order(course)[0]
        LectureCompletion.objects.create(enrollment=enrollment, lecture=first)
        Enrollment.objects.filter(pk=enrollment.pk).update(last_lecture=first)
        courses.append(course)
    return courses


# session, user, enrollments, their completions, the courses' lectures (until the shared
# content cache has them), and the header's unread count.
MY_LEARNING_BUDGET = 6


@pytest.mark.parametrize(("count", "modules", "per_module"), [(1, 1, 1), (12, 4, 6)])
def test_my_learning_query_budget(
    django_assert_max_num_queries, count, modules, per_module, student_client, student
):
    _enrolled_in(student, count, modules, per_module)

    with django_assert_max_num_queries(MY_LEARNING_BUDGET):
        response = student_client.get(MY_LEARNING)

    assert response.content.decode().count("<progress") == count


# session, user, course, enrollment, completions, the outline's rows, the lecture itself,
# last-lecture update, the header's unread count, and the review form's review.
PLAYER_BUDGET = 10


@pytest.mark.parametrize(("modules", "per_module"), [(1, 2), (10, 10)])
def test_player_query_budget(django_assert_max_num_queries, modules, per_module, client):
    student = StudentFactory()
    course = _enrolled_in(student, 1, modules, per_module)[0]
    lectures = lectures_in_order(course)
    # Finish the course so the review form (two more queries) is on the page too.
    enrollment = Enrollment.objects.get(student=student)
    LectureCompletion.objects.bulk_create(
        LectureCompletion(enrollment=enrollment, lecture=lecture) for lecture in lectures[1:]
    )
    client.force_login(student)

    with django_assert_max_num_queries(PLAYER_BUDGET):
        response = client.get(player_url(course, lectures[-1]))

    assert response.status_code == 200
    assert response.content.decode().count("data-lecture-id=") == modules * per_module


def test_my_learning_cards_show_the_course_picture(student_client, student, course):
    # Its thumbnail, or its category's cover while it has none.
    uncovered = CourseFactory(status=course.status)
    EnrollmentFactory(student=student, course=course)
    EnrollmentFactory(student=student, course=uncovered)
    course.thumbnail.save("cover.png", ContentFile(png_bytes()))
    html = student_client.get(MY_LEARNING).content.decode()
    assert f'src="{course.thumbnail.url}"' in html
    assert f'src="/static/img/covers/cover-{uncovered.category_id % 6}.svg"' in html

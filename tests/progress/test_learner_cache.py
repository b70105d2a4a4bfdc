"""A learner's progress comes from the cache, and every change to it shows on the next page.

The player, resume, media and My learning read the student's enrollment and completions from
the cache (progress/selectors.py; versions declared in progress/models.py). These tests first
let a page cache them, then change them the ways the site does, commit, and check that the
next page shows the change: above all that access taken away is gone at once.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from progress.models import Enrollment, LectureCompletion
from progress.services import enrollment_create, enrollment_revoke
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LectureFactory,
    ModuleFactory,
    StudentFactory,
)
from tests.progress.conftest import complete_url, player_url

pytestmark = pytest.mark.django_db

MY_LEARNING = reverse("progress:my_learning")


def _state(html: str, lecture) -> str:
    return re.search(rf'data-lecture-id="{lecture.pk}" data-state="(\w+)"', html).group(1)


def _progress_reads(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if re.search(r'FROM "progress_(enrollment|lecturecompletion)"', q["sql"])
    ]


def _cache_progress(client, url, committed) -> None:
    """View `url` until the student's progress for its course is cached.

    The first view of a lecture remembers it as the last one (a change of progress, which
    forgets the cached copy once committed); the second caches the progress as it stands.
    """
    for _ in range(2):
        with committed():
            assert client.get(url).status_code == 200


def test_views_of_a_lecture_read_no_progress_from_the_database_once_cached(
    student_client, course, lectures, enrollment, committed
):
    url = player_url(course, lectures[0])
    with committed():
        student_client.get(url)  # remembers where the student is: their progress changed
    with CaptureQueriesContext(connection) as second:
        student_client.get(url)
    with CaptureQueriesContext(connection) as third:
        html = student_client.get(url).content.decode()
    assert len(_progress_reads(second)) == 2  # the enrollment, its completions
    assert _progress_reads(third) == []
    assert _state(html, lectures[0]) == "available"


def test_a_completed_lecture_unlocks_the_next_one_on_the_next_page(
    student_client, course, lectures, enrollment, committed
):
    _cache_progress(student_client, player_url(course, lectures[0]), committed)
    with committed():
        student_client.post(complete_url(course, lectures[0]))
    response = student_client.get(player_url(course, lectures[1]))
    assert response.status_code == 200
    html = response.content.decode()
    assert _state(html, lectures[0]) == "completed"
    assert _state(html, lectures[1]) == "available"


def test_a_completion_recorded_elsewhere_unlocks_the_next_lecture(
    student_client, course, lectures, enrollment, committed
):
    _cache_progress(student_client, player_url(course, lectures[0]), committed)
    assert student_client.get(player_url(course, lectures[1])).status_code == 302
    with committed():
        LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])  # the admin
    assert student_client.get(player_url(course, lectures[1])).status_code == 200


def test_revoked_access_is_gone_at_once(student_client, course, lectures, enrollment, committed):
    url = player_url(course, lectures[0])
    _cache_progress(student_client, url, committed)
    assert student_client.get(reverse("progress:resume", args=[course.slug])).url == url
    assert student_client.get(MY_LEARNING).content.decode().count("<progress") == 1

    with committed():
        enrollment_revoke(enrollment=enrollment)

    response = student_client.get(url)
    assert response.status_code == 302
    assert response.url == course.get_absolute_url()
    assert student_client.get(reverse("progress:resume", args=[course.slug])).url == (
        course.get_absolute_url()
    )
    assert student_client.get(MY_LEARNING).content.decode().count("<progress") == 0


def test_access_given_back_shows_at_once_with_the_completions_kept(
    student_client, course, lectures, enrollment, committed
):
    with committed():
        LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
        enrollment_revoke(enrollment=enrollment)
    assert student_client.get(player_url(course, lectures[1])).status_code == 302

    with committed():
        enrollment_create(student=enrollment.student, course=course)

    html = student_client.get(player_url(course, lectures[1])).content.decode()
    assert _state(html, lectures[0]) == "completed"
    assert _state(html, lectures[1]) == "available"


def test_a_completion_taken_away_locks_the_lectures_after_it_again(
    student_client, course, lectures, enrollment, committed
):
    with committed():
        completion = LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    _cache_progress(student_client, player_url(course, lectures[1]), committed)

    with committed():
        completion.delete()  # an admin, in the completions list

    response = student_client.get(player_url(course, lectures[1]))
    assert response.status_code == 302
    assert response.url == player_url(course, lectures[0])


def test_enrolling_shows_at_once(client, student, course, lectures, committed):
    client.force_login(student)
    assert client.get(player_url(course, lectures[0])).status_code == 302  # not enrolled yet

    with committed():
        enrollment_create(student=student, course=course)

    assert client.get(player_url(course, lectures[0])).status_code == 200


def test_where_the_student_was_last_follows_each_lecture_opened(
    student_client, course, lectures, enrollment, committed
):
    with committed():
        LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
        student_client.get(player_url(course, lectures[0]))
    assert "Last lecture: L1" in student_client.get(MY_LEARNING).content.decode()

    with committed():
        student_client.get(player_url(course, lectures[1]))

    assert "Last lecture: L2" in student_client.get(MY_LEARNING).content.decode()
    enrollment.refresh_from_db()
    assert enrollment.last_lecture_id == lectures[1].pk


def test_my_learning_shows_new_completions_and_enrollments(
    student_client, student, course, lectures, enrollment, committed
):
    assert 'value="0"' in student_client.get(MY_LEARNING).content.decode()
    with committed():
        student_client.post(complete_url(course, lectures[0]))
    assert 'value="25"' in student_client.get(MY_LEARNING).content.decode()

    with committed():
        other = CourseFactory(title="Second course")
        LectureFactory(module=ModuleFactory(course=other))
        enrollment_create(student=student, course=other)

    assert "Second course" in student_client.get(MY_LEARNING).content.decode()


def test_a_second_view_of_my_learning_reads_no_progress_from_the_database(
    student_client, course, lectures, enrollment
):
    student_client.get(MY_LEARNING)
    with CaptureQueriesContext(connection) as second:
        html = student_client.get(MY_LEARNING).content.decode()
    assert _progress_reads(second) == []
    assert html.count("<progress") == 1


def test_cached_progress_never_opens_another_course_that_takes_the_slug(
    student_client, course, lectures, enrollment, committed
):
    slug = course.slug
    _cache_progress(student_client, player_url(course, lectures[0]), committed)
    with committed():
        course.slug = f"{slug}-old"
        course.save()
        newcomer = CourseFactory(slug=slug)
        lecture = LectureFactory(module=ModuleFactory(course=newcomer))

    response = student_client.get(player_url(newcomer, lecture))

    assert response.status_code == 302  # not enrolled in the course now behind the slug
    assert response.url == newcomer.get_absolute_url()
    assert not Enrollment.objects.filter(course=newcomer).exists()


def test_outline_rows_filed_for_a_slug_are_never_used_for_another_course(
    student_client, student, course, lectures, enrollment, committed
):
    # My learning read the slug's course from the database before the slug passed to
    # another course, and filed the first course's lectures under the slug afterwards.
    from core import cache
    from progress.selectors import OUTLINE_ROWS

    newcomer = CourseFactory(slug=f"{course.slug}-new")
    lecture = LectureFactory(module=ModuleFactory(course=newcomer), is_free_preview=True)
    found = cache.read(OUTLINE_ROWS(newcomer.slug))
    wrong = [(lectures[0].pk, "Not this course", True, True, 1, "M", True)]
    found.store({OUTLINE_ROWS(newcomer.slug): (course.pk, wrong)})

    html = student_client.get(player_url(newcomer, lecture)).content.decode()

    assert "Not this course" not in html
    assert _state(html, lecture) == "available"
    assert student_client.get(player_url(newcomer, lectures[0])).status_code == 404


def test_a_lecture_deleted_with_its_completions_leaves_a_right_outline(
    student_client, course, lectures, enrollment, committed
):
    with committed():
        for lecture in lectures[:2]:
            LectureCompletion.objects.create(enrollment=enrollment, lecture=lecture)
    _cache_progress(student_client, player_url(course, lectures[2]), committed)

    with committed():
        lectures[1].delete()

    html = student_client.get(player_url(course, lectures[2])).content.decode()
    assert f'data-lecture-id="{lectures[1].pk}"' not in html
    assert _state(html, lectures[0]) == "completed"
    assert _state(html, lectures[2]) == "available"
    assert "1 of 2 lectures" not in html  # three lectures are left
    assert "33% complete" in html
    assert "1 of 3 lectures" in html


def test_a_lecture_deleted_with_its_completions_costs_no_query_per_completion(course, lectures):
    for _ in range(5):
        enrollment = EnrollmentFactory(course=course, student=StudentFactory())
        LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    with CaptureQueriesContext(connection) as deleting:
        lectures[0].delete()
    assert not LectureCompletion.objects.exists()
    # One read of the students whose last lecture it was, none per completion.
    assert len([q for q in deleting if 'FROM "progress_enrollment"' in q["sql"]]) == 1


def test_my_learning_cards_follow_a_course_title_once_committed(
    student_client, course, lectures, enrollment, committed
):
    assert course.title in student_client.get(MY_LEARNING).content.decode()
    with committed():
        course.title = "A better title"
        course.save()
    assert "A better title" in student_client.get(MY_LEARNING).content.decode()


def test_a_completion_moved_to_another_student_no_longer_opens_the_first_ones_lectures(
    student_client, course, lectures, enrollment, committed
):
    with committed():
        completion = LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    _cache_progress(student_client, player_url(course, lectures[1]), committed)
    other = EnrollmentFactory(course=course, student=StudentFactory())

    with committed():
        completion.enrollment = other  # an admin, in the completion's form
        completion.save()

    response = student_client.get(player_url(course, lectures[1]))
    assert response.status_code == 302
    assert response.url == player_url(course, lectures[0])


def test_an_enrollment_handed_to_another_student_takes_the_first_ones_access(
    student_client, course, lectures, enrollment, committed
):
    _cache_progress(student_client, player_url(course, lectures[0]), committed)

    with committed():
        enrollment.student = StudentFactory()  # an admin, in the enrollment's form
        enrollment.save()

    response = student_client.get(player_url(course, lectures[0]))
    assert response.status_code == 302
    assert response.url == course.get_absolute_url()


def test_my_learning_cards_are_kept_for_each_student_even_under_equal_versions(
    client, course, lectures, committed
):
    from django.core.cache import cache

    from progress.models import LEARNER_VERSIONS

    first, second = StudentFactory(), StudentFactory()
    EnrollmentFactory(student=first, course=course)
    for student in (first, second):  # versions are per user: make them collide
        cache.set(LEARNER_VERSIONS.of(student.pk).key, 42, None)
    client.force_login(first)
    assert course.title in client.get(MY_LEARNING).content.decode()
    client.force_login(second)
    assert course.title not in client.get(MY_LEARNING).content.decode()

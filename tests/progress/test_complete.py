"""Marking lectures complete: the happy path, htmx, forged requests, completion once."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import Notification
from progress.models import Enrollment, LectureCompletion
from progress.services import lecture_complete
from tests.factories import CourseFactory, LectureFactory, ModuleFactory, StudentFactory
from tests.progress.conftest import complete_url, player_url

pytestmark = pytest.mark.django_db


def test_complete_records_and_redirects_to_the_next_lecture(
    student_client, course, lectures, enrollment
):
    response = student_client.post(complete_url(course, lectures[0]))

    assert response.status_code == 302
    # Without JavaScript the next lecture opens on its lesson.
    assert response.url == player_url(course, lectures[1]) + "#lesson"
    assert LectureCompletion.objects.filter(enrollment=enrollment, lecture=lectures[0]).exists()
    enrollment.refresh_from_db()
    assert enrollment.last_lecture == lectures[0]
    assert enrollment.last_activity_at is not None
    page = student_client.get(response.url).content.decode()
    assert lectures[1].body in page


def test_htmx_complete_returns_a_partial_that_unlocks_the_next_lecture_in_place(
    student_client, course, lectures, enrollment
):
    response = student_client.post(
        complete_url(course, lectures[0]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="lecture-complete"' in html
    assert 'id="course-outline" hx-swap-oob="true"' in html
    assert 'id="course-progress" hx-swap-oob="true"' in html
    assert 'value="25"' in html
    # The next lecture is now a link, and the one after it still locked.
    assert player_url(course, lectures[1]) in html
    assert f'data-lecture-id="{lectures[1].pk}" data-state="available"' in html
    assert f'data-lecture-id="{lectures[2].pk}" data-state="locked"' in html
    assert player_url(course, lectures[2]) not in html


def test_player_offers_an_htmx_enhanced_form_that_works_without_javascript(
    student_client, course, lectures, enrollment
):
    html = student_client.get(player_url(course, lectures[0])).content.decode()

    assert f'action="{complete_url(course, lectures[0])}"' in html
    assert f'hx-post="{complete_url(course, lectures[0])}"' in html
    assert 'aria-current="page"' in html


def test_get_on_complete_is_not_allowed(student_client, course, lectures, enrollment):
    assert student_client.get(complete_url(course, lectures[0])).status_code == 405
    assert not LectureCompletion.objects.exists()


def test_completing_a_locked_lecture_is_refused(student_client, course, lectures, enrollment):
    response = student_client.post(complete_url(course, lectures[2]))

    assert response.status_code == 403
    assert not LectureCompletion.objects.exists()


def test_completing_a_lecture_of_another_course_is_404(
    student_client, course, lectures, enrollment
):
    other = LectureFactory(module=ModuleFactory(course=CourseFactory()))

    response = student_client.post(complete_url(course, other))

    assert response.status_code == 404
    assert not LectureCompletion.objects.exists()


def test_completing_without_enrollment_is_refused(client, course, lectures):
    client.force_login(StudentFactory())

    assert client.post(complete_url(course, lectures[0])).status_code == 403
    assert not LectureCompletion.objects.exists()


def test_completing_after_revocation_is_refused_and_keeps_completions(
    student_client, course, lectures, enrollment
):
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=Enrollment.Status.REVOKED, revoked_at=timezone.now()
    )

    assert student_client.post(complete_url(course, lectures[1])).status_code == 403
    assert student_client.get(player_url(course, lectures[0])).status_code == 302
    assert LectureCompletion.objects.filter(enrollment=enrollment).count() == 1


def test_anonymous_complete_goes_to_login_and_writes_nothing(client, course, lectures):
    response = client.post(complete_url(course, lectures[3]))

    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    assert not LectureCompletion.objects.exists()


def test_completing_an_unpublished_lecture_is_404(student_client, course, lectures, enrollment):
    lectures[0].is_published = False
    lectures[0].save()

    assert student_client.post(complete_url(course, lectures[0])).status_code == 404
    assert not LectureCompletion.objects.exists()


def test_free_preview_without_enrollment_records_nothing(client, course, lectures):
    client.force_login(StudentFactory())

    response = client.post(complete_url(course, lectures[3]))

    assert response.status_code == 302
    assert not LectureCompletion.objects.exists()


def test_completing_twice_records_one_completion(student_client, course, lectures, enrollment):
    student_client.post(complete_url(course, lectures[0]))
    student_client.post(complete_url(course, lectures[0]))

    assert LectureCompletion.objects.filter(enrollment=enrollment).count() == 1


def test_course_completes_once_and_notifies_once(student, course, lectures, enrollment):
    for lecture in lectures:
        lecture_complete(user=student, course=course, lecture=lecture)
    enrollment.refresh_from_db()
    first_completed_at = enrollment.completed_at
    assert first_completed_at is not None

    # Completing again, and a lecture added later, never complete the course a second time.
    lecture_complete(user=student, course=course, lecture=lectures[-1])
    added = LectureFactory(module=lectures[-1].module, order=9)
    lecture_complete(user=student, course=course, lecture=added)

    enrollment.refresh_from_db()
    assert enrollment.completed_at == first_completed_at
    notes = Notification.objects.filter(recipient=student, kind=Notification.Kind.COURSE_COMPLETED)
    assert notes.count() == 1


def test_finishing_the_last_lecture_shows_the_review_form(
    student_client, course, lectures, enrollment
):
    for lecture in lectures[:-1]:
        LectureCompletion.objects.create(enrollment=enrollment, lecture=lecture)

    response = student_client.post(
        complete_url(course, lectures[-1]), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert 'id="course-review" hx-swap-oob="true"' in html
    assert "Rate this course" in html
    assert "Course complete" in html


@pytest.mark.django_db(transaction=True)
def test_two_tabs_completing_at_once_record_one_completion(transactional_db):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; row locks need PostgreSQL")
    course = CourseFactory()
    lecture = LectureFactory(module=ModuleFactory(course=course))
    student = StudentFactory()
    enrollment = Enrollment.objects.create(student=student, course=course)
    barrier = threading.Barrier(2)
    errors = []

    def complete():
        try:
            barrier.wait()
            lecture_complete(user=student, course=course, lecture=lecture)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert LectureCompletion.objects.filter(enrollment=enrollment).count() == 1
    assert (
        Notification.objects.filter(
            recipient=student, kind=Notification.Kind.COURSE_COMPLETED
        ).count()
        == 1
    )

"""A quiz lecture is completed by passing it, never by "Mark as complete"."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from courses.models import Lecture
from progress.models import LectureCompletion
from progress.services import lecture_complete
from tests.factories import CourseFactory, EnrollmentFactory, LectureFactory, ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reading_then_quiz(student):
    """A text lecture, completed, then a quiz lecture, open to the enrolled student."""
    module = ModuleFactory(course=CourseFactory(), order=0)
    reading = LectureFactory(module=module, order=0)
    quiz = LectureFactory(module=module, order=1, kind=Lecture.Kind.QUIZ, body="")
    enrollment = EnrollmentFactory(student=student, course=module.course)
    return module.course, reading, quiz, enrollment


def test_the_completion_service_refuses_a_quiz_lecture(student, reading_then_quiz):
    course, reading, quiz, enrollment = reading_then_quiz
    enrollment.completions.create(lecture=reading)

    with pytest.raises(PermissionDenied, match="passing"):
        lecture_complete(user=student, course=course, lecture=quiz)
    assert not LectureCompletion.objects.filter(lecture=quiz).exists()


def test_mark_as_complete_on_a_quiz_lecture_is_forbidden(client, student, reading_then_quiz):
    course, reading, quiz, enrollment = reading_then_quiz
    enrollment.completions.create(lecture=reading)
    client.force_login(student)

    response = client.post(reverse("progress:complete", args=[course.slug, quiz.pk]))

    assert response.status_code == 403
    assert not LectureCompletion.objects.filter(lecture=quiz).exists()


def test_other_lectures_are_still_marked_complete(client, student, reading_then_quiz):
    course, reading, _quiz, _enrollment = reading_then_quiz
    client.force_login(student)

    response = client.post(reverse("progress:complete", args=[course.slug, reading.pk]))

    assert response.status_code == 302
    assert LectureCompletion.objects.filter(lecture=reading).exists()


def test_a_passed_quiz_completes_through_the_service(student, reading_then_quiz):
    course, reading, quiz, enrollment = reading_then_quiz
    enrollment.completions.create(lecture=reading)

    completion = lecture_complete(user=student, course=course, lecture=quiz, quiz_passed=True)

    assert completion.lecture_id == quiz.pk


def test_a_passed_quiz_still_obeys_the_unlock_rule(student, reading_then_quiz):
    course, _reading, quiz, _enrollment = reading_then_quiz
    with pytest.raises(PermissionDenied, match="locked"):
        lecture_complete(user=student, course=course, lecture=quiz, quiz_passed=True)

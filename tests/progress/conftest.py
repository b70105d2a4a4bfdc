import pytest
from django.urls import reverse

from courses.models import Lecture
from tests.factories import CourseFactory, EnrollmentFactory, LectureFactory, ModuleFactory


def lectures_in_order(course):
    return list(
        Lecture.objects.filter(module__course=course).order_by(
            "module__order", "module_id", "order", "id"
        )
    )


def player_url(course, lecture):
    return reverse("progress:player", args=[course.slug, lecture.pk])


def complete_url(course, lecture):
    return reverse("progress:complete", args=[course.slug, lecture.pk])


@pytest.fixture
def course(instructor):
    """Two modules of two lectures; the last lecture is a free preview."""
    course = CourseFactory(instructors=[instructor])
    first, second = ModuleFactory(course=course, order=0), ModuleFactory(course=course, order=1)
    LectureFactory(module=first, order=0, title="L1")
    LectureFactory(module=first, order=1, title="L2")
    LectureFactory(module=second, order=0, title="L3")
    LectureFactory(module=second, order=1, title="L4", is_free_preview=True)
    return course


@pytest.fixture
def lectures(course):
    return lectures_in_order(course)


@pytest.fixture
def enrollment(student, course):
    return EnrollmentFactory(student=student, course=course)


@pytest.fixture
def student_client(client, student):
    client.force_login(student)
    return client

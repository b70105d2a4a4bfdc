import pytest

from progress.services import enrollment_create, lecture_complete
from tests.factories import InstructorFactory, course_with_lectures
from tests.payments.conftest import fake_stripe, paid_course, stripe_server  # noqa: F401


def finish(student, course):
    """Complete every published lecture of `course` as `student`, in order, through the
    service the "Mark as complete" button calls."""
    for module in course.modules.order_by("order"):
        for lecture in module.lectures.order_by("order"):
            lecture_complete(user=student, course=course, lecture=lecture)


@pytest.fixture
def course(db):
    teacher = InstructorFactory(name="Ada Lovelace")
    return course_with_lectures(
        modules=1, lectures_per_module=2, title="Analytical Engines", instructors=[teacher]
    )


@pytest.fixture
def enrolled(student, course):
    enrollment, _created = enrollment_create(student=student, course=course)
    return enrollment


@pytest.fixture
def certificate(student, course, enrolled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        finish(student, course)
    return student.certificates.get()

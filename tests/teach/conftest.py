import pytest

from tests.factories import InstructorFactory, course_with_lectures


@pytest.fixture
def course(instructor):
    """A course assigned to `instructor`: 2 modules of 3 lectures, orders 0..n-1."""
    return course_with_lectures(title="Assigned", instructors=[instructor])


@pytest.fixture
def other_instructor(db):
    return InstructorFactory()


@pytest.fixture
def teacher(client, instructor):
    client.force_login(instructor)
    return client

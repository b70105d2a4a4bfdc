import pytest

from tests.factories import InstructorFactory, course_with_lectures


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    # These tests create many users; the production hasher costs ~0.3 s per user. Not in
    # browser tests: the live server process keeps the real hashers and must verify logins.
    if request.node.get_closest_marker("browser"):
        return
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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

"""The shared cache's size under steady use: each thing a page shows has one entry, replaced
when its data changes, never a new key per change (My learning once filed a new rendered
fragment per change of progress, and the old ones piled up in Redis for an hour).

On a redis-server of the test's own, configured as in production, so the count is exact.
"""

import pytest
import redis
from django.test import Client
from django.urls import reverse

from courses.models import Course
from notifications.models import Notification
from notifications.services import notification_mark_all_read, notify
from progress.services import enrollment_create, lecture_complete
from tests.factories import InstructorFactory, StudentFactory, course_with_lectures
from tests.redis_server import settings_with_redis

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 8


@pytest.fixture
def redis_cache(settings, redis_server):
    production = settings_with_redis(redis_server.url)
    settings.CACHES = {**settings.CACHES, "default": production["CACHES"]["default"]}
    return redis.Redis.from_url(redis_server.url, decode_responses=True)


def test_the_key_count_stays_flat_while_learners_move_and_content_changes(redis_cache):
    course = course_with_lectures(modules=1, lectures_per_module=3)
    course.instructors.add(InstructorFactory())
    lectures = list(course.modules.get().lectures.order_by("order"))
    students = StudentFactory.create_batch(3)
    learners = []
    for student in students:
        enrollment_create(student=student, course=course)
        for lecture in lectures[:-1]:  # so that every lecture is open to them
            lecture_complete(user=student, course=course, lecture=lecture)
        client = Client()
        client.force_login(student)
        learners.append((student, client))
    anonymous = Client()
    public_pages = [reverse("courses:catalog"), course.get_absolute_url()]

    def use_the_site(round_number: int) -> None:
        # Every kind of change a day brings moves a version: a learner's place in the
        # course, their notifications, and the course's content.
        lecture = lectures[round_number % len(lectures)]
        player = reverse("progress:player", args=[course.slug, lecture.pk])
        for student, client in learners:
            notify(
                recipient=student,
                kind=Notification.Kind.NEW_LECTURE,
                title=f"Note {round_number}",
                email=False,
            )
            for url in [player, reverse("progress:my_learning"), *public_pages]:
                assert client.get(url).status_code == 200, url
            notification_mark_all_read(user=student)
            assert client.get(reverse("notifications:list")).status_code == 200
        Course.objects.filter(pk=course.pk).update(title=f"Course, edition {round_number}")
        for url in public_pages:  # built again: the change is shown, under a new version
            assert f"edition {round_number}" in anonymous.get(url).content.decode(), url

    for round_number in range(len(lectures)):  # each page once: every entry is filed
        use_the_site(round_number)
    settled = set(redis_cache.keys())
    for round_number in range(len(lectures), len(lectures) + ROUNDS):
        use_the_site(round_number)
        assert set(redis_cache.keys()) == settled, f"round {round_number}"

"""Two server processes on one Redis that dies and hangs, seen from outside over HTTP.

Each server process keeps its own breaker, epoch and outage fallback; the in-process fault
tests (test_cache_faults.py) cannot show that a change made in one process while Redis is
unreachable reaches the others. Here two forked daphne servers and the test process (which
writes, as an admin's request would) share a redis-server of the test's own, configured as
in production, and the test kills, restarts and pauses it while the servers serve.
"""

import http.client
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.services import user_active_set, user_role_set
from courses.models import Course
from courses.services import courses_status_set
from notifications.models import Notification
from notifications.services import notification_mark_read, notify
from progress.services import enrollment_create, enrollment_revoke
from tests.browser import daphne_server
from tests.factories import (
    AdminFactory,
    InstructorFactory,
    StudentFactory,
    course_with_lectures,
)
from tests.redis_server import settings_with_redis

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER_WITHIN = 1.0  # seconds, for any page whatever Redis does
LOAD_THREADS = 2  # one per server: load, not a queue on a 2-core machine


@pytest.fixture
def two_servers(settings, redis_server):
    """Two daphne processes with production's cache and channel layer on `redis_server`; the
    test process uses the same cache."""
    production = settings_with_redis(redis_server.url)
    overrides = {
        "CACHES": {**settings.CACHES, "default": production["CACHES"]["default"]},
        "CHANNEL_LAYERS": production["CHANNEL_LAYERS"],
    }
    settings.CACHES = overrides["CACHES"]
    with daphne_server(**overrides) as first, daphne_server(**overrides) as second:
        yield [first, second]


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def fetch(base_url: str, path: str, session: str = "") -> tuple[int, str, float]:
    """GET `path` (no redirect followed): status, body and seconds taken."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    headers = {"Cookie": f"{django_settings.SESSION_COOKIE_NAME}={session}"} if session else {}
    started = time.monotonic()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode(), time.monotonic() - started
    finally:
        connection.close()


@pytest.fixture
def learner():
    course = course_with_lectures(modules=1, lectures_per_module=2)
    student = StudentFactory()
    enrollment_create(student=student, course=course)
    lecture = course.modules.get().lectures.order_by("order")[0]
    return {
        "course": course,
        "student": student,
        "lecture": lecture,
        "player": reverse("progress:player", args=[course.slug, lecture.pk]),
    }


def test_both_servers_answer_every_request_while_redis_dies_and_hangs(
    two_servers, redis_server, learner
):
    student = session_of(learner["student"])
    pages = [
        (reverse("courses:catalog"), ""),
        (learner["course"].get_absolute_url(), ""),
        (learner["player"], student),
        (reverse("progress:my_learning"), student),
        (reverse("notifications:list"), student),
    ]
    for server in two_servers:
        for path, session in pages:
            assert fetch(server, path, session)[0] == 200, (server, path)

    outcomes, stop = [], threading.Event()

    def keep_requesting(worker: int) -> None:
        turn = worker
        while not stop.is_set():
            server, (path, session) = two_servers[turn % 2], pages[turn % len(pages)]
            turn += 1
            try:
                status, _body, took = fetch(server, path, session)
            except OSError as error:
                status, took = repr(error), 0.0
            outcomes.append((server, path, status, took))

    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        workers = [pool.submit(keep_requesting, n) for n in range(LOAD_THREADS)]
        try:
            time.sleep(1)
            redis_server.kill()
            time.sleep(2)
            redis_server.start()  # empty, on the same port
            time.sleep(1)
            redis_server.pause()
            time.sleep(0.5)
            health = [fetch(server, "/healthz") for server in two_servers]
            time.sleep(1.5)
            redis_server.resume()
            time.sleep(1)
        finally:
            stop.set()
            for worker in workers:
                worker.result()

    assert len(outcomes) > 50, "the load ran"
    assert [o for o in outcomes if o[2] != 200] == []
    assert [o for o in outcomes if o[3] >= ANSWER_WITHIN] == []
    for status, body, took in health:
        assert status == 503 and '"cache": false' in body
        assert took < ANSWER_WITHIN


def unread_badge(body: str) -> int:
    return int(re.search(r'data-unread-count aria-hidden="true">(\d*)<', body).group(1) or 0)


def test_changes_committed_while_redis_hangs_reach_both_servers_when_it_returns(
    two_servers, redis_server, learner
):
    admin, instructor, leaver = AdminFactory(), InstructorFactory(), StudentFactory()
    other_course = course_with_lectures(modules=1, lectures_per_module=1)
    note = notify(recipient=learner["student"], kind=Notification.Kind.ENROLLED, title="Hi")
    sessions = {
        "student": session_of(learner["student"]),
        "instructor": session_of(instructor),
        "leaver": session_of(leaver),
    }
    catalog, my_learning = reverse("courses:catalog"), reverse("progress:my_learning")
    teach = reverse("teach:course_list")
    unread = {}
    # What each server caches before the changes.
    for server in two_servers:
        assert fetch(server, my_learning, sessions["leaver"])[0] == 200
        assert fetch(server, teach, sessions["instructor"])[0] == 200
        assert learner["lecture"].body in fetch(server, learner["player"], sessions["student"])[1]
        assert other_course.title in fetch(server, catalog)[1]
        unread[server] = unread_badge(fetch(server, my_learning, sessions["student"])[1])
        assert unread[server] >= 1

    redis_server.pause()
    user_active_set(actor=admin, user=leaver, is_active=False)
    user_role_set(actor=admin, user=instructor, role=Role.STUDENT)
    enrollment_revoke(enrollment=learner["student"].enrollments.get())
    courses_status_set(
        actor=admin, courses=Course.objects.filter(pk=other_course.pk), status=Course.Status.DRAFT
    )
    notification_mark_read(user=learner["student"], notification_id=note.pk)
    # Another process reads the epoch again at most this long after its last read (the
    # documented bound), and at once when it finds Redis back after a failure.
    time.sleep(django_settings.CACHES["default"]["OPTIONS"]["EPOCH_TTL"] + 0.1)
    redis_server.resume()

    for server in two_servers:
        status, _body, _took = fetch(server, my_learning, sessions["leaver"])
        assert status == 302, server
        assert fetch(server, teach, sessions["instructor"])[0] == 403, server
        player = fetch(server, learner["player"], sessions["student"])[1]
        assert learner["lecture"].body not in player, server
        assert other_course.title not in fetch(server, catalog)[1], server
        badge = unread_badge(fetch(server, my_learning, sessions["student"])[1])
        assert badge == unread[server] - 1, server

"""The site's mount point comes from settings, never from a request.

daphne takes the ASGI root_path from any request's Daphne-Root-Path header; Django would
build every link with it, and cached pages and fragments would serve those links to others.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.db import connections

from edusphere.asgi import application
from tests.factories import CourseFactory

# The ASGI handler runs the view on a connection of its own: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

EVIL = "https://evil.example"


def _get(path: str, root_path: str) -> tuple[int, str]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def run():
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(10)
        body = b""
        while True:
            message = await communicator.receive_output(10)
            body += message.get("body", b"")
            if not message.get("more_body"):
                return start["status"], body.decode()

    # In a thread of its own: once a browser test has run, Playwright holds an event loop in
    # the main thread, where async_to_sync refuses to start.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_run_and_close, run).result()


def _run_and_close(scenario):
    try:
        return async_to_sync(scenario)()
    finally:
        connections.close_all()


def test_a_requested_mount_point_is_ignored_and_never_cached_for_others():
    course = CourseFactory()
    status, html = _get("/courses/", EVIL)
    assert status == 200
    assert course.title in html
    assert EVIL not in html
    assert f'href="{course.get_absolute_url()}"' in html
    _status, again = _get("/courses/", "")  # the anonymous page cache's copy
    assert EVIL not in again


def test_the_configured_mount_point_is_used(settings):
    settings.FORCE_SCRIPT_NAME = "/school"
    course = CourseFactory()
    status, html = _get("/courses/", EVIL)
    assert status == 200
    assert f'href="/school/courses/{course.slug}/"' in html

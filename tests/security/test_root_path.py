"""The site's mount point comes from settings, never from a request.

daphne takes the ASGI root_path from any request's Daphne-Root-Path header; Django would
build every link with it, and cached pages and fragments would serve those links to others.
"""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.db import connections

from edusphere.asgi import application

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
        connections.close_all()  # none is expected: the page reads no rows


# A page that reads nothing from the database (a 404 for a visitor without a session): the
# whole ASGI stack runs, and the header's links show the mount point used.
MISSING = "/no-such-page/"


def test_a_requested_mount_point_is_ignored():
    status, html = _get(MISSING, EVIL)
    assert status == 404
    assert EVIL not in html
    assert 'href="/courses/"' in html


def test_the_configured_mount_point_is_used(settings):
    settings.FORCE_SCRIPT_NAME = "/school"
    status, html = _get(MISSING, EVIL)
    assert status == 404
    assert EVIL not in html
    assert 'href="/school/courses/"' in html

"""The browser tests' server (a forked daphne) sees what the test process writes, as one
server process sees another's writes in production: without Redis it caches nothing,
since its memory would never hear of them; with Redis it shares the cache."""

import urllib.request

from tests.factories import CourseFactory


def _catalog(base_url: str) -> str:
    with urllib.request.urlopen(f"{base_url}/courses/", timeout=15) as response:  # noqa: S310
        return response.read().decode()


def test_the_server_shows_a_course_created_after_it_served_the_catalog(
    live_daphne, transactional_db
):
    CourseFactory(title="Course from before")
    assert "Course from before" in _catalog(live_daphne)  # the anonymous page is cached

    CourseFactory(title="Course from after")
    assert "Course from after" in _catalog(live_daphne)

import re

import pytest

from tests.factories import CourseFactory, LectureFactory, ModuleFactory

CARD_TITLE = re.compile(r'<h[23]><a href="/courses/[^"]+/">([^<]+)</a></h[23]>')


def card_titles(response) -> list[str]:
    """Titles of the course cards on a page, in the order shown."""
    return CARD_TITLE.findall(response.content.decode())


@pytest.fixture(params=["anonymous", "student", "instructor", "admin"])
def any_client(request, client, db):
    """A test client for each kind of visitor."""
    if request.param != "anonymous":
        user = request.getfixturevalue(
            {"student": "student", "instructor": "instructor", "admin": "admin_user"}[request.param]
        )
        client.force_login(user)
    return client


@pytest.fixture
def course_with_secrets(db):
    """A paid course whose lectures hold content that must never reach a public page."""
    course = CourseFactory(title="Secret Keeping 101", price="49.00", is_featured=True)
    module = ModuleFactory(course=course, order=0, title="Opening module")
    LectureFactory(
        module=module,
        order=0,
        title="Preview lecture",
        is_free_preview=True,
        kind="video",
        body="PREVIEW-BODY-TEXT",
        video_provider="youtube",
        video_id="PrevVid0001",
    )
    LectureFactory(
        module=module,
        order=1,
        title="Paid video lecture",
        kind="video",
        body="PAID-VIDEO-NOTES",
        video_provider="vimeo",
        video_id="987654321",
    )
    LectureFactory(
        module=module,
        order=2,
        title="Paid text lecture",
        body="PAID-BODY-TEXT",
        attachment="lectures/attachments/PAID-ATTACHMENT.pdf",
    )
    return course

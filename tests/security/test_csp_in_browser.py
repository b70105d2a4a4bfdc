"""The Content-Security-Policy holds on the site's own pages in a real browser.

Chromium reports every blocked script, style, frame or request as a
`securitypolicyviolation` event and a console error; a page passes when there are none.
"""

from decimal import Decimal

import pytest

from tests.browser import log_in_with_session
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    LectureFactory,
    ModuleFactory,
    NotificationFactory,
    StudentFactory,
)

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def assert_clean(page, path):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__cspViolations") == [], path
    assert page.console_errors == [], path


def test_pages_raise_no_csp_violations(page, live_daphne):
    instructor = InstructorFactory()
    course = CourseFactory(title="Policy course", price=Decimal("19.00"), instructors=[instructor])
    module = ModuleFactory(course=course, order=0)
    text = LectureFactory(module=module, order=0, body="# Hello\n\n**Markdown** body")
    video = LectureFactory(
        module=module, order=1, kind="video", video_provider="youtube", video_id="dQw4w9WgXcQ"
    )
    student = StudentFactory()
    EnrollmentFactory(student=student, course=course)
    NotificationFactory(recipient=student)
    page.add_init_script(RECORD_VIOLATIONS)

    for path in ["/", "/courses/", "/courses/?q=policy", course.get_absolute_url(),
                 "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:  # fmt: skip
        assert_clean(page, path)

    log_in_with_session(page, live_daphne, student)
    for path in ["/learn/", f"/learn/{course.slug}/lectures/{text.pk}/",
                 "/accounts/profile/", "/payments/orders/", "/notifications/"]:  # fmt: skip
        assert_clean(page, path)
    # The YouTube embed is allowed by frame-src; the frame itself cannot load offline, so
    # only our page's own violations count here.
    page.goto(f"/learn/{course.slug}/lectures/{video.pk}/")
    assert page.evaluate("window.__cspViolations") == []

    log_in_with_session(page, live_daphne, instructor)
    for path in ["/teach/", f"/teach/{course.slug}/", f"/teach/{course.slug}/analytics/",
                 f"/teach/{course.slug}/lectures/{text.pk}/edit/"]:  # fmt: skip
        assert_clean(page, path)

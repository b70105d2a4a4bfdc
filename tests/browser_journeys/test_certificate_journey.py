"""From a quiz to a certificate anyone can check, and back to revoked after a refund.

A student buys a course, fails its quiz, retries, passes, finishes the course, downloads the
certificate and opens its verification page; the admin refunds, and the same page says
"Revoked".
"""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from assessment.models import Choice, Question, Quiz
from certificates.models import Certificate
from courses.models import Lecture
from tests.browser_journeys.test_refund_journey import (  # noqa: F401  (fixtures)
    admin_login,
    buy_with_test_checkout,
    choose_refund_action,
    dev_server,
    new_page,
    paid_course,
)
from tests.factories import AdminFactory, LectureFactory, StudentFactory

pytestmark = pytest.mark.browser


def test_a_student_earns_a_certificate_and_a_refund_revokes_it(new_page):  # noqa: F811
    course = paid_course("Certified Cartography")
    module = course.modules.get()
    quiz_lecture = LectureFactory(
        module=module, order=99, title="Final check", kind=Lecture.Kind.QUIZ, body=""
    )
    quiz = Quiz.objects.create(lecture=quiz_lecture, pass_mark=100)
    question = Question.objects.create(
        quiz=quiz, order=0, kind=Question.Kind.SINGLE, text="Which way is north on a map?"
    )
    for i, text in enumerate(["Down", "Up"]):
        Choice.objects.create(question=question, order=i, text=text, is_correct=text == "Up")
    student = StudentFactory(name="Gerardus Mercator")
    admin = AdminFactory()

    page = new_page()
    order = buy_with_test_checkout(page, student, course)
    for lecture in module.lectures.exclude(pk=quiz_lecture.pk).order_by("order"):
        page.goto(f"/learn/{course.slug}/lectures/{lecture.pk}/")
        with page.expect_response(lambda r: r.url.endswith("/complete/")):
            page.get_by_role("button", name="Mark as complete").click()

    # The quiz: a wrong answer, then the right one.
    page.goto(f"/learn/{course.slug}/lectures/{quiz_lecture.pk}/")
    page.get_by_role("link", name="Take the quiz").click()
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("Down").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="Your score: 0%")).to_be_visible()
    assert not Certificate.objects.exists()
    page.get_by_role("button", name="Try again").click()
    page.get_by_label("Up").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="Your score: 100%")).to_be_visible()
    certificate = Certificate.objects.get(student=student)
    assert certificate.name == "Gerardus Mercator"

    # The course-complete page, from My learning.
    page.goto("/learn/")
    page.get_by_role("link", name="Certificate Certified Cartography").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Course complete")
    expect(page.locator(".certificate-actions").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").first.click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Gerardus Mercator" in text and "Certified Cartography" in text

    page.get_by_role("link", name=re.compile("^Verification page")).first.click()
    expect(page.get_by_role("heading", name="Valid certificate")).to_be_visible()
    expect(page.get_by_text("Gerardus Mercator").first).to_be_visible()
    verify_url = page.url

    admin_page = new_page()
    admin_login(admin_page, admin)
    choose_refund_action(admin_page, order)
    admin_page.get_by_role("button", name="Yes, refund").click()
    expect(admin_page.locator(".messagelist .success")).to_contain_text("1 refund accepted")

    page.goto(verify_url)
    expect(page.get_by_role("heading", name="Revoked")).to_be_visible()
    expect(page.get_by_role("heading", name="Valid certificate")).to_have_count(0)
    certificate.refresh_from_db()
    assert certificate.revocation == Certificate.Revocation.ACCESS_ENDED
    assert page.console_errors == [] and admin_page.console_errors == []

"""The certificate pages: the student's own, the public verification, the downloads."""

import io
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from pypdf import PdfReader

from certificates import credential
from certificates.models import Certificate, SigningKey
from progress.services import enrollment_create
from tests.certificates.conftest import finish
from tests.factories import StudentFactory, course_with_lectures

pytestmark = pytest.mark.django_db


def test_my_certificates_lists_only_mine_with_their_links(client, certificate, course):
    other_student = StudentFactory()
    client.force_login(other_student)
    assert "Analytical Engines" not in client.get(reverse("certificates:mine")).content.decode()

    client.force_login(certificate.student)
    page = client.get(reverse("certificates:mine")).content.decode()
    assert "Analytical Engines" in page
    assert reverse("certificates:pdf", args=[certificate.uuid]) in page
    assert reverse("certificates:verify", args=[certificate.uuid]) in page
    assert "https://www.linkedin.com/profile/add?" in page


def test_my_certificates_needs_a_login(client):
    response = client.get(reverse("certificates:mine"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_my_certificates_has_a_fixed_query_budget(
    client, student, django_assert_max_num_queries, django_capture_on_commit_callbacks
):

    for _ in range(3):
        course = course_with_lectures(modules=1, lectures_per_module=1)
        enrollment_create(student=student, course=course)
        with django_capture_on_commit_callbacks(execute=True):
            finish(student, course)
    client.force_login(student)
    client.get(reverse("certificates:mine"))
    with django_assert_max_num_queries(4):
        response = client.get(reverse("certificates:mine"))
    assert response.content.decode().count("Download PDF") == 3


def test_the_linkedin_link_fills_in_the_certificate(client, certificate):
    client.force_login(certificate.student)
    response = client.get(reverse("certificates:mine"))
    (url,) = [u for _c, u in response.context["certificates"]]
    query = parse_qs(urlsplit(url).query)
    assert query["name"] == ["Analytical Engines"]
    assert query["certId"] == [certificate.number]
    assert query["certUrl"][0].endswith(f"/certificates/{certificate.uuid}/")


def test_the_linkedin_link_gives_the_issue_month_the_pages_show(client, certificate, settings):
    """LinkedIn gets the issue month in the site's time zone, as the certificate shows it."""
    settings.TIME_ZONE = "Pacific/Auckland"  # UTC+13 in January
    issued = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)  # 1 February 2026, 01:00 there
    Certificate.objects.filter(pk=certificate.pk).update(issued_at=issued)
    client.force_login(certificate.student)

    response = client.get(reverse("certificates:mine"))

    (url,) = [u for _c, u in response.context["certificates"]]
    query = parse_qs(urlsplit(url).query)
    assert (query["issueYear"], query["issueMonth"]) == (["2026"], ["2"])


def test_the_verification_page_is_public_and_says_what_the_certificate_says(client, certificate):
    response = client.get(reverse("certificates:verify", args=[certificate.uuid]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="valid"' in page
    for text in (certificate.name, "Analytical Engines", "Ada Lovelace", certificate.number):
        assert text in page
    assert response.context["verification"].signature_valid
    assert "no-cache" in response["Cache-Control"]  # a revocation shows at once
    assert "<svg" in page  # the QR code


def test_an_unknown_certificate_is_not_found(client, db):
    assert client.get(reverse("certificates:verify", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("certificates:pdf", args=[uuid.uuid4()])).status_code == 404
    assert client.get("/certificates/not-a-uuid/").status_code == 404


def test_the_verification_page_is_read_from_the_cache_once_built(
    client, certificate, django_assert_max_num_queries
):
    url = reverse("certificates:verify", args=[certificate.uuid])
    first = client.get(url)
    with django_assert_max_num_queries(0):  # the whole page, for visitors not logged in
        again = client.get(url)
    assert again.content == first.content
    assert "no-cache" in again["Cache-Control"]


def test_a_signature_that_does_not_check_out_is_shown(client, certificate):
    altered = dict(certificate.credential)
    altered["validFrom"] = "2000-01-01T00:00:00Z"
    Certificate.objects.filter(pk=certificate.pk).update(credential=altered)
    page = client.get(reverse("certificates:verify", args=[certificate.uuid])).content.decode()
    assert 'data-status="unverified"' in page


def test_the_pdf_downloads_with_the_certificate_in_it(client, certificate):
    response = client.get(reverse("certificates:pdf", args=[certificate.uuid]))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert certificate.name in text and "Analytical Engines" in text


def test_the_printable_sheet_shows_the_certificate(client, certificate):
    page = client.get(reverse("certificates:sheet", args=[certificate.uuid])).content.decode()
    assert certificate.name in page and "Analytical Engines" in page


def test_the_credential_downloads_and_verifies_with_the_published_key(client, certificate):
    response = client.get(reverse("certificates:credential", args=[certificate.uuid]))
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    issuer = client.get(reverse("certificates:issuer")).json()
    (method,) = issuer["verificationMethod"]
    (proof,) = document["proof"]
    assert proof["verificationMethod"] == method["id"]
    assert document["issuer"]["id"] == issuer["id"]
    public_key = credential.public_key_from_multibase(method["publicKeyMultibase"])
    assert credential.verify(document, public_key=public_key)


def test_the_signing_key_is_made_once(certificate, course):
    another = StudentFactory()
    enrollment_create(student=another, course=course)
    finish(another, course)
    assert SigningKey.objects.count() == 1
    first, second = Certificate.objects.order_by("pk")
    assert (
        first.credential["proof"][0]["verificationMethod"]
        == second.credential["proof"][0]["verificationMethod"]
    )


def test_the_course_complete_page_shows_the_certificate_and_the_review(client, certificate, course):
    client.force_login(certificate.student)
    response = client.get(reverse("certificates:course_complete", args=[course.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert certificate.name in page
    assert reverse("certificates:pdf", args=[certificate.uuid]) in page
    assert reverse("progress:review", args=[course.slug]) in page
    assert reverse("courses:catalog") in page


def test_the_course_complete_page_sends_an_unfinished_student_back_to_the_course(
    client, student, course, enrolled
):
    client.force_login(student)
    response = client.get(reverse("certificates:course_complete", args=[course.slug]))
    assert response.status_code == 302
    assert response["Location"] == course.get_learn_url()


def test_the_course_complete_page_shows_no_one_elses_certificate(client, certificate, course):
    client.force_login(StudentFactory())
    response = client.get(reverse("certificates:course_complete", args=[course.slug]))
    assert response.status_code == 302
    client.logout()
    response = client.get(reverse("certificates:course_complete", args=[course.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_my_learning_links_a_finished_course_to_its_complete_page(client, certificate, course):
    client.force_login(certificate.student)
    page = client.get(reverse("progress:my_learning")).content.decode()
    assert reverse("certificates:course_complete", args=[course.slug]) in page

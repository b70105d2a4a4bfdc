"""A certificate is issued once, when the last published lecture is completed."""

import pytest
from django.core.exceptions import ValidationError

from certificates import selectors
from certificates.models import Certificate
from certificates.services import certificate_issue
from notifications.models import Notification
from progress.services import lecture_complete
from tests.certificates.conftest import finish
from tests.factories import LectureFactory

pytestmark = pytest.mark.django_db


def test_no_certificate_before_the_last_lecture(student, course, enrolled):
    first = course.modules.get().lectures.order_by("order").first()
    lecture_complete(user=student, course=course, lecture=first)
    assert not Certificate.objects.exists()


def test_completing_the_course_issues_one_certificate_with_what_it_said(student, course, enrolled):
    student.name = "Grace Hopper"
    student.save()
    finish(student, course)
    certificate = Certificate.objects.get()
    assert certificate.enrollment == enrolled
    assert certificate.student == student
    assert certificate.name == "Grace Hopper"
    assert certificate.course_title == "Analytical Engines"
    assert certificate.instructors == ["Ada Lovelace"]
    assert certificate.course_length_seconds == course.duration_minutes * 60
    assert certificate.is_valid
    notification = Notification.objects.get(kind=Notification.Kind.CERTIFICATE_ISSUED)
    assert notification.recipient == student
    assert notification.link == f"/learn/{course.slug}/complete/"


def test_the_name_on_certificates_wins_and_is_fixed_at_issue(student, course, enrolled):
    student.name = "Grace"
    student.certificate_name = "  Rear Admiral Grace M. Hopper "
    student.save()
    finish(student, course)
    student.certificate_name = "Someone Else"
    student.save()
    certificate = Certificate.objects.get()
    assert certificate.name == "Rear Admiral Grace M. Hopper"
    assert selectors.document_of(certificate).name == "Rear Admiral Grace M. Hopper"


def test_completing_again_issues_nothing_more(student, course, enrolled):
    finish(student, course)
    finish(student, course)
    enrolled.refresh_from_db()
    assert certificate_issue(enrollment=enrolled) == Certificate.objects.get()
    assert Certificate.objects.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.CERTIFICATE_ISSUED).count() == 1


def test_a_lecture_added_after_completion_keeps_the_certificate(student, course, enrolled):
    finish(student, course)
    new = LectureFactory(module=course.modules.get(), order=99)
    lecture_complete(user=student, course=course, lecture=new)
    assert Certificate.objects.count() == 1


def test_an_unfinished_enrollment_cannot_be_certified(enrolled):
    with pytest.raises(ValidationError):
        certificate_issue(enrollment=enrolled)
    assert not Certificate.objects.exists()


def test_identifiers_are_random_and_numbers_short(certificate, student, course):
    assert certificate.uuid.version == 4
    assert len(certificate.number) == 12
    assert certificate.number == certificate.uuid.hex[:12].upper()


def test_the_credential_is_signed_for_this_certificate(certificate):
    assert certificate.credential["id"] == f"urn:uuid:{certificate.uuid}"
    assert selectors.signature_valid(certificate)


def test_a_credential_altered_in_the_database_does_not_verify(certificate):
    certificate.credential["credentialSubject"]["achievement"]["name"] = "Something else"
    assert not selectors.signature_valid(certificate)


def test_a_credential_of_another_certificate_does_not_verify(certificate, course):
    other = Certificate.objects.get(pk=certificate.pk)
    other.credential = {**certificate.credential, "id": "urn:uuid:0000"}
    assert not selectors.signature_valid(other)


def test_a_nameless_student_with_a_long_email_still_gets_a_certificate_that_fits(
    student, course, enrolled
):
    """Completing a course issues a certificate even when the name it falls back to (the
    email's local part) is longer than the certificate's name column."""
    local_part = "a" * 240
    student.name = ""
    student.email = f"{local_part}@ex.com"
    student.full_clean()
    student.save()
    finish(student, course)
    enrolled.refresh_from_db()
    assert enrolled.completed_at is not None
    certificate = Certificate.objects.get()
    assert len(certificate.name) <= Certificate._meta.get_field("name").max_length
    assert certificate.name.startswith("a" * 100)
    assert certificate.name.endswith("…")
    subject = certificate.credential["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == certificate.name

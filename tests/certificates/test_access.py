"""A certificate follows the access behind it: revoked with it, reinstated with it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_reinstate, certificate_revoke
from progress.models import Enrollment
from progress.services import enrollment_create, enrollment_revoke
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def status_on_page(client, certificate):
    response = client.get(reverse("certificates:verify", args=[certificate.uuid]))
    assert response.status_code == 200
    return response.context["verification"]


def test_revoking_access_revokes_the_certificate_and_the_page_says_so_at_once(
    client, certificate, enrolled, django_capture_on_commit_callbacks
):
    assert status_on_page(client, certificate).is_valid  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_revoke(enrollment=enrolled)
    certificate.refresh_from_db()
    assert certificate.revocation == Certificate.Revocation.ACCESS_ENDED
    assert certificate.revoked_at == Enrollment.objects.get(pk=enrolled.pk).revoked_at
    shown = status_on_page(client, certificate)
    assert not shown.is_valid
    assert shown.revoked_at == certificate.revoked_at
    response = client.get(reverse("certificates:verify", args=[certificate.uuid]))
    assert 'data-status="revoked"' in response.content.decode()


def test_access_granted_back_reinstates_it(
    client, certificate, enrolled, student, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_revoke(enrollment=enrolled)
    assert not status_on_page(client, certificate).is_valid
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_create(student=student, course=course, source=Enrollment.Source.ADMIN)
    certificate.refresh_from_db()
    assert certificate.is_valid and certificate.revocation == ""
    assert status_on_page(client, certificate).is_valid


def test_an_admin_revocation_outlives_access_coming_back(
    certificate, enrolled, student, course, admin_user
):
    certificate_revoke(actor=admin_user, certificate=certificate, reason="Plagiarism")
    enrollment_revoke(enrollment=enrolled)
    enrollment_create(student=student, course=course, source=Enrollment.Source.ADMIN)
    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert certificate.revocation == Certificate.Revocation.BY_ADMIN
    assert certificate.revocation_reason == "Plagiarism"


def test_revoking_asks_for_an_admin_and_a_reason(certificate, student, instructor, admin_user):
    for actor in (student, instructor):
        with pytest.raises(PermissionDenied):
            certificate_revoke(actor=actor, certificate=certificate, reason="No")
    with pytest.raises(ValidationError):
        certificate_revoke(actor=admin_user, certificate=certificate, reason="   ")
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_reinstating_asks_for_an_admin_and_keeps_it_revoked_without_access(
    certificate, enrolled, student, admin_user
):
    certificate_revoke(actor=admin_user, certificate=certificate, reason="Mistake?")
    with pytest.raises(PermissionDenied):
        certificate_reinstate(actor=student, certificate=certificate)
    enrollment_revoke(enrollment=enrolled)
    certificate_reinstate(actor=admin_user, certificate=certificate)
    certificate.refresh_from_db()
    assert certificate.revocation == Certificate.Revocation.ACCESS_ENDED  # access still ended
    enrollment_create(student=student, course=enrolled.course, source=Enrollment.Source.ADMIN)
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_another_students_access_moves_nothing(certificate, course):
    other, _created = enrollment_create(student=StudentFactory(), course=course)
    enrollment_revoke(enrollment=other)
    certificate.refresh_from_db()
    assert certificate.is_valid

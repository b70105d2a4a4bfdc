"""Admins see certificates read-only and revoke them with a reason, or reinstate them."""

import pytest
from django.urls import reverse

from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def change(client, certificate, **data):
    url = reverse("admin:certificates_certificate_change", args=[certificate.pk])
    return client.post(url, {"change": "", "reason": "", **data})


def test_an_admin_revokes_with_a_reason_and_the_page_says_revoked(
    client, admin_user, certificate, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = change(client, certificate, change="revoke", reason="Issued in error")
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revocation == Certificate.Revocation.BY_ADMIN
    assert certificate.revocation_reason == "Issued in error"
    page = client.get(reverse("certificates:verify", args=[certificate.uuid])).content.decode()
    assert 'data-status="revoked"' in page
    assert "Issued in error" not in page  # the reason is for admins


def test_revoking_without_a_reason_is_refused(client, admin_user, certificate):
    client.force_login(admin_user)
    response = change(client, certificate, change="revoke")
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_an_admin_reinstates(client, admin_user, certificate):
    client.force_login(admin_user)
    change(client, certificate, change="revoke", reason="Check")
    change(client, certificate, change="reinstate")
    certificate.refresh_from_db()
    assert certificate.is_valid and certificate.revocation_reason == ""


def test_certificates_are_never_added_deleted_or_edited_in_the_admin(
    client, admin_user, certificate
):
    client.force_login(admin_user)
    assert client.get(reverse("admin:certificates_certificate_add")).status_code == 403
    delete = reverse("admin:certificates_certificate_delete", args=[certificate.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    change(client, certificate, name="Someone Else", course_title="Other")
    certificate.refresh_from_db()
    assert certificate.name != "Someone Else"
    listing = client.get(reverse("admin:certificates_certificate_changelist"))
    assert certificate.name in listing.content.decode()

"""Reads of the certificates app: the verification page, a student's certificates, sheets."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from certificates import credential
from certificates.documents import CertificateDocument
from certificates.models import CERTIFICATE_VERSIONS, Certificate, SigningKey
from certificates.services import SIGNING_KEY_ID, issuer, key_id, signing_key
from core import cache
from core.sites import absolute_url as absolute

VERIFICATION_TIMEOUT_SECONDS = 24 * 60 * 60


def document_of(certificate: Certificate) -> CertificateDocument:
    return CertificateDocument(
        number=certificate.number,
        name=certificate.name,
        course_title=certificate.course_title,
        instructors=tuple(certificate.instructors),
        issued_at=certificate.issued_at,
        course_length_seconds=certificate.course_length_seconds,
        verify_url=absolute(reverse("certificates:verify", args=[certificate.uuid])),
        site_name=settings.SITE_NAME,
        revoked_at=certificate.revoked_at,
    )


def signature_valid(certificate: Certificate) -> bool:
    """Whether the certificate's credential is this certificate's, signed with the site's key."""
    document = certificate.credential
    if not isinstance(document, dict) or document.get("id") != f"urn:uuid:{certificate.uuid}":
        return False
    proofs = document.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    if not all(isinstance(p, dict) and p.get("verificationMethod") == key_id() for p in proofs):
        return False
    key = SigningKey.objects.filter(pk=SIGNING_KEY_ID).first()
    if key is None:
        return False
    try:
        public_key = credential.public_key_from_multibase(key.public_key_multibase)
    except ValueError:
        return False
    return credential.verify(document, public_key=public_key)


@dataclass(frozen=True, slots=True)
class Verification:
    """What the public verification page shows."""

    uuid: str
    document: CertificateDocument
    is_valid: bool
    revoked_at: datetime | None
    revocation_label: str
    signature_valid: bool
    course_url: str


VERIFICATION = cache.Kind(
    "certificate-verification",
    shape=(Verification, CertificateDocument),
    versions=lambda uuid: [CERTIFICATE_VERSIONS.of(uuid)],
    timeout=VERIFICATION_TIMEOUT_SECONDS,
)


def _verification(certificate: Certificate) -> Verification:
    return Verification(
        uuid=str(certificate.uuid),
        document=document_of(certificate),
        is_valid=certificate.is_valid,
        revoked_at=certificate.revoked_at,
        revocation_label=certificate.get_revocation_display() if certificate.revocation else "",
        signature_valid=signature_valid(certificate),
        course_url=certificate.course.get_absolute_url(),
    )


def verification(*, uuid) -> Verification | None:
    """The verification of the certificate `uuid`, or None; cached until the row changes.

    One cache round trip on a hit; three queries on a miss.
    """

    def build():
        certificate = Certificate.objects.filter(uuid=uuid).select_related("course").first()
        return None if certificate is None else _verification(certificate)

    return cache.get(VERIFICATION(uuid), build)


# The whole page for visitors who are not logged in (courses.page_cache).
VERIFICATION_PAGE = cache.Kind(
    "certificate-page",
    shape="content,content-type",
    versions=lambda language, path_digest, uuid: [CERTIFICATE_VERSIONS.of(uuid)],
    timeout=VERIFICATION_TIMEOUT_SECONDS,
)


def verification_page(request, path_digest, uuid) -> cache.Entry:
    return VERIFICATION_PAGE(request.LANGUAGE_CODE, path_digest, uuid)


def certificate_by_uuid(*, uuid) -> Certificate | None:
    return Certificate.objects.filter(uuid=uuid).select_related("course").first()


def student_certificates(*, student):
    """`student`'s certificates, newest first, with their courses (one query)."""
    return Certificate.objects.filter(student=student).select_related("course")


def certificate_of_enrollment(*, enrollment) -> Certificate | None:
    return Certificate.objects.filter(enrollment=enrollment).first()


def linkedin_add_url(certificate: Certificate) -> str:
    """LinkedIn's "Add license or certification" form, filled in for this certificate."""
    issued = timezone.localtime(certificate.issued_at)  # the date the certificate shows
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.course_title,
        "organizationName": settings.SITE_NAME,
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": absolute(reverse("certificates:verify", args=[certificate.uuid])),
        "certId": certificate.number,
    }
    return "https://www.linkedin.com/profile/add?" + urlencode(query)


def issuer_document() -> dict:
    """The issuer's public profile, with the key that verifies its credentials."""
    key = signing_key()
    return credential.issuer_profile(
        issuer_id=issuer()["id"],
        name=settings.SITE_NAME,
        url=settings.SITE_URL,
        key_id=key_id(),
        public_key_multibase=key.public_key_multibase,
    )

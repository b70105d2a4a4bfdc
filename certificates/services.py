"""Writes of the certificates app: issue once, revoke and reinstate with access, sign.

Issue and the access changes run inside the progress app's transactions (see
certificates.receivers), with the enrollment row locked: a certificate is issued exactly
once per enrollment, and its state moves with the enrollment's access in the same commit.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from certificates import credential
from certificates.models import Certificate, SigningKey
from core.sites import absolute_url as absolute
from notifications.models import Notification
from notifications.services import notify
from progress.models import Enrollment

SIGNING_KEY_ID = 1  # one key; a rotation would add rows and name them in the key ids
# The name may fall back to the email's local part, which can outgrow the column.
NAME_MAX_LENGTH = Certificate._meta.get_field("name").max_length


def issuer_id() -> str:
    return absolute(reverse("certificates:issuer"))


def key_id() -> str:
    return f"{issuer_id()}#key-{SIGNING_KEY_ID}"


def signing_key() -> SigningKey:
    """The site's signing key, generated the first time it is needed and kept after that."""
    key = SigningKey.objects.filter(pk=SIGNING_KEY_ID).first()
    if key is not None:
        return key
    private_key = credential.generate_private_key()
    try:
        with transaction.atomic():  # savepoint: another process may create it at once
            return SigningKey.objects.create(
                pk=SIGNING_KEY_ID,
                private_key_pem=credential.private_key_to_pem(private_key),
                public_key_multibase=credential.public_key_multibase(private_key.public_key()),
            )
    except IntegrityError:
        return SigningKey.objects.get(pk=SIGNING_KEY_ID)


def issuer() -> dict:
    """The issuer as credentials name it (an Open Badges Profile)."""
    return {"id": issuer_id(), "type": ["Profile"], "name": settings.SITE_NAME}


def _signed_credential(certificate: Certificate, *, course) -> dict:
    verify_url = absolute(reverse("certificates:verify", args=[certificate.uuid]))
    document = credential.achievement_credential(
        credential_id=f"urn:uuid:{certificate.uuid}",
        issuer={**issuer(), "url": settings.SITE_URL},
        subject_name=certificate.name,
        achievement_id=absolute(course.get_absolute_url()),
        achievement_name=certificate.course_title,
        achievement_description=course.subtitle or certificate.course_title,
        criteria_narrative=_(
            "Completed every lecture of the course and passed its quizzes. Verify at %(url)s"
        )
        % {"url": verify_url},
        valid_from=certificate.issued_at,
    )
    key = signing_key()
    return credential.sign(
        document,
        private_key=credential.private_key_from_pem(key.private_key_pem),
        verification_method=key_id(),
        created=certificate.issued_at,
    )


def certificate_issue(*, enrollment: Enrollment, now: datetime | None = None) -> Certificate:
    """The certificate of a completed enrollment: issued the first time, returned after.

    Call with the enrollment row locked (progress.services.lecture_complete does). The name
    printed is the student's "name on certificates" now, kept for good. The student is told
    live, once the transaction commits.
    """
    existing = Certificate.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    if enrollment.completed_at is None:
        raise ValidationError(_("The course is not completed yet."))
    now = now or timezone.now()
    student = enrollment.student
    course = enrollment.course
    certificate = Certificate(
        enrollment=enrollment,
        student=student,
        course=course,
        name=Truncator(student.name_on_certificates).chars(NAME_MAX_LENGTH),
        course_title=course.title,
        instructors=[i.display_name for i in course.instructors.order_by("name", "email")],
        course_length_seconds=course.duration_minutes * 60,
        issued_at=now,
    )
    if not enrollment.is_active:
        certificate.revoked_at = now
        certificate.revocation = Certificate.Revocation.ACCESS_ENDED
    certificate.credential = _signed_credential(certificate, course=course)
    try:
        with transaction.atomic():  # savepoint: the one-per-enrollment index settles a race
            certificate.save()
    except IntegrityError:
        return Certificate.objects.get(enrollment=enrollment)
    notify(
        recipient=student,
        kind=Notification.Kind.CERTIFICATE_ISSUED,
        title=_("Your certificate for %(course)s is ready") % {"course": course.title},
        body=_("Download it, share it, or add it to your profile."),
        link=reverse("certificates:course_complete", args=[course.slug]),
    )
    return certificate


def certificate_follow_access(*, enrollment: Enrollment, now: datetime | None = None) -> None:
    """Revoke the enrollment's certificate when its access ended; reinstate it when access
    comes back, unless an admin revoked it."""
    certificate = Certificate.objects.select_for_update().filter(enrollment=enrollment).first()
    if certificate is None:
        return
    if enrollment.is_active:
        if certificate.revocation == Certificate.Revocation.ACCESS_ENDED:
            certificate.revoked_at = None
            certificate.revocation = ""
            certificate.revocation_reason = ""
            certificate.save(update_fields=["revoked_at", "revocation", "revocation_reason"])
    elif certificate.is_valid:
        certificate.revoked_at = enrollment.revoked_at or now or timezone.now()
        certificate.revocation = Certificate.Revocation.ACCESS_ENDED
        certificate.save(update_fields=["revoked_at", "revocation"])


@transaction.atomic
def certificate_revoke(
    *, actor, certificate: Certificate, reason: str, now: datetime | None = None
) -> Certificate:
    """An admin revokes a certificate, with a reason; access coming back does not undo it."""
    if not (actor.is_authenticated and actor.is_admin):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for revoking the certificate."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    certificate.revoked_at = certificate.revoked_at or now or timezone.now()
    certificate.revocation = Certificate.Revocation.BY_ADMIN
    certificate.revocation_reason = reason[:300]
    certificate.save(update_fields=["revoked_at", "revocation", "revocation_reason"])
    return certificate


@transaction.atomic
def certificate_reinstate(*, actor, certificate: Certificate) -> Certificate:
    """An admin takes back a revocation; without access to the course it stays revoked, as
    access ended."""
    if not (actor.is_authenticated and actor.is_admin):
        raise PermissionDenied
    certificate = (
        Certificate.objects.select_for_update().select_related("enrollment").get(pk=certificate.pk)
    )
    if certificate.enrollment.is_active:
        certificate.revoked_at = None
        certificate.revocation = ""
    else:
        certificate.revoked_at = certificate.revoked_at or timezone.now()
        certificate.revocation = Certificate.Revocation.ACCESS_ENDED
    certificate.revocation_reason = ""
    certificate.save(update_fields=["revoked_at", "revocation", "revocation_reason"])
    return certificate

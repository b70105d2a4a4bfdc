"""Certificates of completion, and the key the site signs their credentials with.

A certificate belongs to the enrollment it crowns (one per enrollment) and keeps what it
said when issued: the name, the course's title, its instructors and its length. Its signed
credential is made once, at issue, and never re-signed.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import cache
from courses.models import Course
from progress.models import Enrollment


class Certificate(models.Model):
    class Revocation(models.TextChoices):
        # Set and cleared by the enrollment's access: a refund or revocation takes the
        # certificate away, access granted back reinstates it.
        ACCESS_ENDED = "access_ended", _("Access to the course ended")
        # Set by an admin with a reason; only an admin clears it.
        BY_ADMIN = "by_admin", _("Revoked by an admin")

    # The public identifier in every URL: random, so certificates cannot be enumerated.
    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.OneToOneField(
        Enrollment,
        on_delete=models.CASCADE,
        related_name="certificate",
        verbose_name=_("enrollment"),
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("student"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("course")
    )
    name = models.CharField(_("name on the certificate"), max_length=150)
    course_title = models.CharField(_("course title"), max_length=200)
    instructors = models.JSONField(_("instructors"), default=list)
    course_length_seconds = models.PositiveIntegerField(_("course length (seconds)"), default=0)
    issued_at = models.DateTimeField(_("issued"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revocation = models.CharField(
        _("revocation"), max_length=16, choices=Revocation, blank=True, default=""
    )
    revocation_reason = models.CharField(_("reason"), max_length=300, blank=True)
    credential = models.JSONField(_("signed credential"))

    objects = cache.TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revocation="")
                | (Q(revoked_at__isnull=False) & ~Q(revocation="")),
                name="certificate_revoked_at_matches_revocation",
            ),
        ]
        indexes = [
            models.Index(fields=["student", "-issued_at"], name="certificate_student_idx"),
        ]

    def __str__(self):
        return f"{self.name} — {self.course_title}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def number(self) -> str:
        """A short reference to print and read aloud; the UUID stays the identifier."""
        return self.uuid.hex[:12].upper()


# The verification page is cached per certificate, by the identifier in its URL: any change
# to the row (revocation, reinstatement) moves its version, so the page says so at once.
CERTIFICATE_VERSIONS = cache.Family("certificate")
cache.track(Certificate, CERTIFICATE_VERSIONS, "uuid")


class SigningKey(models.Model):
    """The Ed25519 key the site signs credentials with: generated once, then kept.

    Kept in the database rather than a file so that every host of the site signs with the
    same key and a backup keeps it; its public half is published on the issuer page.
    """

    private_key_pem = models.TextField(_("private key (PEM)"))
    public_key_multibase = models.CharField(_("public key (multibase)"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self):
        return self.public_key_multibase

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import cache


class Notification(models.Model):
    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        PAYMENT_FAILED = "payment_failed", _("Payment failed")
        REFUNDED = "refunded", _("Refunded")
        INSTRUCTOR_ASSIGNED = "instructor_assigned", _("Assigned as instructor")
        NEW_LECTURE = "new_lecture", _("New lecture")
        NEW_REVIEW = "new_review", _("New review")
        COURSE_COMPLETED = "course_completed", _("Course completed")
        ROLE_CHANGED = "role_changed", _("Role changed")
        CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
        ANNOUNCEMENT = "announcement", _("Course announcement")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=False)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = cache.TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list (recipient, newest first, id as tie-breaker) is read straight off this
            # index; the partial index below keeps the header badge's count cheap.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


# The header's unread count is cached per user (notifications.badge).
NOTIFICATION_VERSIONS = cache.Family("notifications")
cache.track(Notification, NOTIFICATION_VERSIONS, "recipient_id")

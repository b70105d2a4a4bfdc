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
            # The daily digest's scan: the day's notifications of the kinds sent by digest.
            models.Index(fields=["kind", "created_at"], name="notification_kind_created_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


# The header's unread count is cached per user (notifications.badge).
NOTIFICATION_VERSIONS = cache.Family("notifications")
cache.track(Notification, NOTIFICATION_VERSIONS, "recipient_id")


class Delivery(models.TextChoices):
    """How a user hears of one kind of notification besides the site itself."""

    IMMEDIATELY = "immediately", _("By email, at once")
    DIGEST = "digest", _("In a daily digest email")
    OFF = "off", _("On the site only")


# What a user gets with no choice made: what they must act on, or asked for, at once; news
# they may read whenever, once a day.
DEFAULT_DELIVERY = {
    Notification.Kind.ENROLLED: Delivery.IMMEDIATELY,
    Notification.Kind.PAYMENT_FAILED: Delivery.IMMEDIATELY,
    Notification.Kind.REFUNDED: Delivery.IMMEDIATELY,
    Notification.Kind.INSTRUCTOR_ASSIGNED: Delivery.IMMEDIATELY,
    Notification.Kind.NEW_LECTURE: Delivery.DIGEST,
    Notification.Kind.NEW_REVIEW: Delivery.DIGEST,
    Notification.Kind.COURSE_COMPLETED: Delivery.DIGEST,
    Notification.Kind.ROLE_CHANGED: Delivery.IMMEDIATELY,
    Notification.Kind.CERTIFICATE_ISSUED: Delivery.IMMEDIATELY,
    Notification.Kind.ANNOUNCEMENT: Delivery.IMMEDIATELY,
}


class NotificationPreference(models.Model):
    """A user's choice for one kind; no row means DEFAULT_DELIVERY."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Notification.Kind)
    delivery = models.CharField(_("email"), max_length=12, choices=Delivery)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            # Also the index of notify_many's read: one kind for many users.
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {self.delivery}"


class DigestState(models.Model):
    """Where a user's daily digest got to: the next one starts at `sent_through`, and one
    day gets one digest (`sent_on`) however often the job runs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("user"),
    )
    sent_on = models.DateField(_("last digest"))
    sent_through = models.DateTimeField(_("covers notifications until"))

    class Meta:
        verbose_name = _("digest state")
        verbose_name_plural = _("digest states")

    def __str__(self):
        return f"{self.user_id}: {self.sent_on}"

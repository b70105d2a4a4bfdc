"""The outbox: every email the site sends, one row each, sent by background tasks.

The row is the truth, not the task queue: a task only says "look at these rows". A row is
sent inside a transaction that holds its lock, so two workers never send it twice, and a
worker killed mid-send leaves it queued for the next one. `key` names what the email is
about (an order's receipt, a user's digest of a day): the same key is never queued twice,
however many times the action that queues it runs.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Email(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    to_address = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=250)
    text_body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        indexes = [
            # The sender's and the stale-email job's reads: what is due.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="queued"),
                name="email_due_idx",
            ),
            models.Index(fields=["kind", "status"], name="email_kind_status_idx"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to_address}"

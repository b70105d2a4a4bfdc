from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.models import Course
from progress.models import Enrollment


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        # Stripe reported a payment that does not match the order: an admin must look.
        NEEDS_REVIEW = "needs_review", _("Needs review")

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("student"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="orders", verbose_name=_("course")
    )
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("enrollment"),
    )
    # Copied from the course when the order is made; the client never supplies it.
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    # Changed only through payments.services.order_apply, as payments.lifecycle says.
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING)
    stripe_session_id = models.CharField(
        _("Stripe Checkout Session"), max_length=255, unique=True, null=True, blank=True
    )
    # Kept so a second click on "Buy" sends the student back to the same open session.
    stripe_checkout_url = models.URLField(_("Stripe Checkout URL"), max_length=2000, blank=True)
    stripe_payment_intent_id = models.CharField(
        _("Stripe PaymentIntent"), max_length=255, blank=True
    )
    paid_amount = models.DecimalField(
        _("amount paid"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    paid_currency = models.CharField(_("currency paid"), max_length=3, blank=True)
    # Paid through the labelled test checkout of a DEBUG server: no money moved.
    paid_with_test_checkout = models.BooleanField(_("test payment"), default=False)
    customer_email = models.EmailField(_("customer email"), blank=True)
    failure_reason = models.CharField(_("problem"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    refunded_amount = models.DecimalField(
        _("amount refunded"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["student", "-created_at"], name="order_student_created_idx"),
            models.Index(fields=["status", "paid_at"], name="order_status_paid_at_idx"),
            models.Index(fields=["stripe_payment_intent_id"], name="order_payment_intent_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.course} ({self.get_status_display()})"

    @property
    def payment_received(self) -> bool:
        """Stripe took money for it (refunded since, or waiting for an admin, included)."""
        return self.status in {self.Status.PAID, self.Status.REFUNDED, self.Status.NEEDS_REVIEW}

    @property
    def payment_in_flight(self) -> bool:
        """Checkout completed with a delayed method (a bank debit): the money is on its way
        and the order can no longer be cancelled; Stripe's word on it ends the order. The
        same rule for a query: PAYMENT_IN_FLIGHT."""
        return self.status == self.Status.PENDING and bool(self.stripe_payment_intent_id)

    @property
    def is_test_payment(self) -> bool:
        """Paid through the test checkout: refunded without Stripe, and no money moves."""
        return self.paid_with_test_checkout and not self.stripe_payment_intent_id


# Order.payment_in_flight, for a query.
PAYMENT_IN_FLIGHT = Q(status=Order.Status.PENDING) & ~Q(stripe_payment_intent_id="")


class StripeEvent(models.Model):
    """Each Stripe event, stored once by its id, so a repeated delivery has no effect."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Changed the order")
        NOTHING = "nothing", _("Nothing to do")  # a late or repeated word on the order
        UNMATCHED = "unmatched", _("No known order")  # an admin should look
        IGNORED = "ignored", _("Type not handled")
        MALFORMED = "malformed", _("Malformed")  # signed, but not an event we can read

    id = models.CharField(_("Stripe event id"), max_length=255, primary_key=True)
    type = models.CharField(_("type"), max_length=100)
    payload = models.JSONField(_("payload"))
    livemode = models.BooleanField(_("live mode"), default=False)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome, blank=True)
    order = models.ForeignKey(
        Order,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stripe_events",
        verbose_name=_("order"),
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["type", "-received_at"], name="stripeevent_type_idx")]

    def __str__(self):
        return f"{self.type} {self.id}"

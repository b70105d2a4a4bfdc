from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import admin as core_admin
from payments.models import Order, StripeEvent
from payments.selectors import refund_previews
from payments.services import order_refund_request, order_review_accept


class ReadOnlyAdmin(core_admin.ModelAdmin):
    """Payment records are written by Stripe's events only; admins look, never edit."""

    # The change page still builds a form to show the fields; Django 6 assumes https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "student", "course", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "currency", "created_at", "paid_at"]
    search_fields = [
        "id",
        "student__email",
        "course__title",
        "stripe_session_id",
        "stripe_payment_intent_id",
        "customer_email",
    ]
    list_select_related = ["student", "course"]
    date_hierarchy = "created_at"
    readonly_fields = ["paid_with_test_checkout"]
    actions = ["refund", "accept_review"]

    def has_refund_permission(self, request):
        return request.user.is_superuser

    @admin.action(description=_("Refund selected orders…"), permissions=["refund"])
    def refund(self, request, queryset):
        # Money moves: first a page that says what will happen, as Django's delete does.
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/payments/order/refund_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Refund these orders?"),
                    "opts": self.model._meta,
                    "previews": refund_previews(queryset),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        refunded = 0
        for order in queryset:
            try:
                order_refund_request(order=order)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                refunded += 1
        if refunded:
            self.message_user(
                request,
                ngettext(
                    "%(count)d refund accepted; access ends once the refund is confirmed.",
                    "%(count)d refunds accepted; access ends once each refund is confirmed.",
                    refunded,
                )
                % {"count": refunded},
                messages.SUCCESS,
            )
        return None

    @admin.action(
        description=_("Accept the payment of selected orders needing review"),
        permissions=["refund"],
    )
    def accept_review(self, request, queryset):
        accepted = 0
        for order in queryset:
            # Each order is accepted in its own transaction: one that cannot be (its course
            # closed meanwhile) stays flagged and the others are still accepted.
            try:
                accepted += order_review_accept(order_id=order.pk)
            except ValidationError as exc:
                self.message_user(
                    request,
                    _("Order #%(id)s was not accepted: %(error)s")
                    % {"id": order.pk, "error": " ".join(exc.messages)},
                    messages.ERROR,
                )
        self.message_user(
            request,
            ngettext(
                "%(count)d order accepted: the student has the course.",
                "%(count)d orders accepted: the students have their courses.",
                accepted,
            )
            % {"count": accepted},
            messages.SUCCESS if accepted else messages.WARNING,
        )


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "outcome", "order", "livemode", "received_at", "processed_at"]
    list_filter = ["outcome", "type", "livemode", "received_at"]
    list_select_related = ["order__course"]
    search_fields = ["id", "type"]
    date_hierarchy = "received_at"

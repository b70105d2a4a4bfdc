from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from payments.models import Order, StripeEvent
from payments.services import order_refund_request


class ReadOnlyAdmin(admin.ModelAdmin):
    """Payment records are written by Stripe's events only; admins look, never edit."""

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
    actions = ["refund"]

    def has_refund_permission(self, request):
        return request.user.is_superuser

    @admin.action(description=_("Refund selected orders"), permissions=["refund"])
    def refund(self, request, queryset):
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
                    "Stripe accepted %(count)d refund; access ends when Stripe confirms it.",
                    "Stripe accepted %(count)d refunds; access ends when Stripe confirms them.",
                    refunded,
                )
                % {"count": refunded},
                messages.SUCCESS,
            )


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "livemode", "received_at", "processed_at"]
    list_filter = ["type", "livemode", "received_at"]
    search_fields = ["id", "type"]
    date_hierarchy = "received_at"

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import admin as core_admin
from mail import services
from mail.models import Email


@admin.register(Email)
class EmailAdmin(core_admin.ModelAdmin):
    """Sent and failed emails, read only; a failed one can be sent again."""

    list_display = ["subject", "to_address", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["to_address", "subject", "key"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [
        "key",
        "kind",
        "recipient",
        "to_address",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
        "headers",
        "text_body",
    ]
    exclude = ["html_body"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected failed emails again"))
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=Email.Status.FAILED))
        for email in failed:
            services.email_retry(email=email)
        skipped = queryset.count() - len(failed)
        self.message_user(
            request,
            ngettext("%d email queued again.", "%d emails queued again.", len(failed))
            % len(failed),
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d email was not failed and was left alone.",
                    "%d emails were not failed and were left alone.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

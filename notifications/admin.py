from django.contrib import admin

from core import admin as core_admin
from notifications.models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(core_admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__email"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request, obj=None):
        # A notification belongs to one user for good: handing it to another would leave the
        # first user's cached unread count (notifications.badge) too high.
        return [*self.readonly_fields, "recipient"] if obj else self.readonly_fields


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(core_admin.ModelAdmin):
    list_display = ["user", "kind", "delivery", "updated_at"]
    list_filter = ["kind", "delivery"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

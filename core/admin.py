from django.contrib import admin

from core.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """What the scheduler ran, when, and how it ended (read only)."""

    list_display = ["job", "period", "started_at", "finished_at", "failed"]
    list_filter = ["job", "started_at"]
    search_fields = ["job", "error"]
    readonly_fields = ["job", "period", "started_at", "finished_at", "result", "error"]

    @admin.display(boolean=True, description="failed")
    def failed(self, run):
        return bool(run.error)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

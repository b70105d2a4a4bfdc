from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import admin as core_admin
from courses.models import Course
from progress import services
from progress.models import Announcement, Enrollment, LectureCompletion, Review


class EnrollmentAdminForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ["student", "course", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "source" in self.fields:
            self.fields["source"].initial = Enrollment.Source.ADMIN

    def clean_course(self):
        course = self.cleaned_data["course"]
        if course.status != Course.Status.PUBLISHED:
            raise ValidationError(_("This course is not open for enrollment."))
        return course


@admin.register(Enrollment)
class EnrollmentAdmin(core_admin.ModelAdmin):
    form = EnrollmentAdminForm
    list_display = ["student", "course", "status", "source", "enrolled_at", "completed_at"]
    list_filter = ["status", "source", "enrolled_at"]
    search_fields = ["student__email", "student__name", "course__title"]
    # Granting access: pick the student and the course by name or email, not by numeric id.
    autocomplete_fields = ["student", "course"]
    list_select_related = ["student", "course"]
    readonly_fields = [
        "status",
        "revoked_at",
        "enrolled_at",
        "completed_at",
        "last_lecture",
        "last_activity_at",
    ]
    date_hierarchy = "enrolled_at"
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # Access changes go through the services (counters, notifications), never a raw edit.
        if obj is not None:
            return [*self.readonly_fields, "student", "course", "source"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        enrollment, _created = services.enrollment_create(
            student=obj.student, course=obj.course, source=obj.source
        )
        obj.pk = enrollment.pk
        obj._state.adding = False

    @admin.action(description=_("Revoke access to the selected enrollments"))
    def revoke(self, request, queryset):
        revoked = 0
        for enrollment in queryset.filter(status=Enrollment.Status.ACTIVE):
            services.enrollment_revoke(enrollment=enrollment)
            revoked += 1
        self.message_user(
            request,
            ngettext("%d enrollment revoked.", "%d enrollments revoked.", revoked) % revoked,
            messages.SUCCESS,
        )


@admin.register(LectureCompletion)
class LectureCompletionAdmin(core_admin.ModelAdmin):
    list_display = ["enrollment", "lecture", "completed_at"]
    raw_id_fields = ["enrollment", "lecture"]
    list_select_related = ["enrollment__student", "enrollment__course", "lecture"]
    search_fields = ["enrollment__student__email", "lecture__title"]


@admin.register(Review)
class ReviewAdmin(core_admin.ModelAdmin):
    list_display = ["course", "student", "rating", "is_visible", "created_at"]
    list_filter = ["is_visible", "rating"]
    search_fields = ["course__title", "student__email", "text"]
    raw_id_fields = ["course", "student"]
    list_select_related = ["course", "student"]
    # Visibility changes go through the actions, so the course rating is recomputed.
    readonly_fields = ["course", "student", "rating", "text", "is_visible", "created_at"]
    actions = ["hide", "show"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Hide the selected reviews"))
    def hide(self, request, queryset):
        count = services.review_set_visibility(reviews=queryset, is_visible=False)
        self.message_user(
            request, ngettext("%d review hidden.", "%d reviews hidden.", count) % count
        )

    @admin.action(description=_("Show the selected reviews"))
    def show(self, request, queryset):
        count = services.review_set_visibility(reviews=queryset, is_visible=True)
        self.message_user(request, ngettext("%d review shown.", "%d reviews shown.", count) % count)


@admin.register(Announcement)
class AnnouncementAdmin(core_admin.ModelAdmin):
    """Announcements as posted and how far their delivery got (read only: posting notifies
    every student, so it happens in the workspace, through the service)."""

    list_display = ["title", "course", "author", "created_at", "delivered_count", "delivered_at"]
    list_filter = ["created_at"]
    search_fields = ["title", "course__title"]
    list_select_related = ["course", "author"]
    readonly_fields = [
        "course",
        "author",
        "title",
        "body",
        "created_at",
        "edited_at",
        "delivered_up_to",
        "delivered_count",
        "progressed_at",
        "delivered_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

"""The admin pages of courses, modules and lectures, with what the workspace keeps.

courses/admin.py defines them, but courses sits below progress and teaching: a module or
lecture changed there (saved, unpublished, moved, deleted, one at a time or in bulk) would
leave the course's stored length stale and the students it leaves with every lecture done
not completed. These subclasses, registered in their place, call teaching's service once
the admin's own writes are done, in the same transaction.
"""

from django import forms
from django.contrib import admin
from django.db import transaction

from courses import admin as courses_admin
from courses.models import Course, Lecture, Module
from teaching.services import (
    COMPLETED_KIND_KEPT,
    completed_lecture_becomes_quiz,
    courses_content_changed,
)

admin.site.unregister([Course, Module, Lecture])


def _course_of_module(module_id) -> int | None:
    return Module.objects.filter(pk=module_id).values_list("course_id", flat=True).first()


class _ContentChanged:
    """Deletes (a page or the bulk action) refresh the courses the rows belonged to."""

    course_path: str  # from a row of this admin to its course's id

    def delete_model(self, request, obj):
        course_ids = list(
            self.model.objects.filter(pk=obj.pk).values_list(self.course_path, flat=True)
        )
        super().delete_model(request, obj)
        courses_content_changed(actor=request.user, course_ids=course_ids)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        course_ids = set(queryset.values_list(self.course_path, flat=True))
        super().delete_queryset(request, queryset)
        courses_content_changed(actor=request.user, course_ids=course_ids)


class _CompletedLectureStaysAsItIs:
    """A lecture students have completed does not become a quiz here either (see
    teaching.services.completed_lecture_becomes_quiz)."""

    def clean_kind(self):
        kind = super().clean_kind()
        if completed_lecture_becomes_quiz(self.instance, kind):
            raise forms.ValidationError(COMPLETED_KIND_KEPT)
        return kind


class LectureInlineForm(_CompletedLectureStaysAsItIs, courses_admin.LectureInlineForm):
    pass


class LectureInline(courses_admin.LectureInline):
    form = LectureInlineForm


class LectureAdminForm(_CompletedLectureStaysAsItIs, courses_admin.LectureAdminForm):
    pass


@admin.register(Course)
class CourseAdmin(courses_admin.CourseAdmin):
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the modules' rows among them
        courses_content_changed(actor=request.user, course_ids=[form.instance.pk])


@admin.register(Module)
class ModuleAdmin(_ContentChanged, courses_admin.ModuleAdmin):
    course_path = "course_id"
    inlines = [LectureInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the lectures' rows among them
        # The course it left, when it moved, as well as its own.
        courses_content_changed(
            actor=request.user, course_ids=[form.instance.course_id, form.initial.get("course")]
        )


@admin.register(Lecture)
class LectureAdmin(_ContentChanged, courses_admin.LectureAdmin):
    course_path = "module__course_id"
    form = LectureAdminForm

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        left = _course_of_module(form.initial.get("module"))
        courses_content_changed(
            actor=request.user, course_ids=[form.instance.module.course_id, left]
        )

from django.contrib import admin

from assessment.models import Attempt, Choice, ExtraAttempt, Question, Quiz
from core import admin as core_admin


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    show_change_link = True  # choices are edited on the question's own page
    fields = ["order", "kind", "title", "text", "points"]


@admin.register(Quiz)
class QuizAdmin(core_admin.ModelAdmin):
    list_display = ["lecture", "pass_mark", "attempts_allowed", "time_limit_seconds", "draw_count"]
    list_select_related = ["lecture"]
    search_fields = ["lecture__title", "lecture__module__course__title"]
    autocomplete_fields = ["lecture"]
    inlines = [QuestionInline]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0
    fields = ["order", "text", "is_correct", "explanation"]


@admin.register(Question)
class QuestionAdmin(core_admin.ModelAdmin):
    list_display = ["__str__", "quiz", "kind", "order", "points"]
    list_filter = ["kind"]
    list_select_related = ["quiz__lecture"]
    search_fields = ["title", "text", "quiz__lecture__title"]
    autocomplete_fields = ["quiz"]
    inlines = [ChoiceInline]
    fieldsets = [
        (None, {"fields": ["quiz", "order", "kind", "title", "text", "explanation", "points"]}),
        ("Multiple choice", {"fields": ["partial_credit"]}),
        ("True or false", {"fields": ["true_false_answer"]}),
        ("Numeric", {"fields": ["numeric_value", "numeric_tolerance"]}),
        ("Short answer", {"fields": ["accepted_answers"]}),
    ]


@admin.register(Attempt)
class AttemptAdmin(core_admin.ModelAdmin):
    """Attempts are a record: read only."""

    list_display = ["student", "quiz", "started_at", "submitted_at", "score", "passed", "counted"]
    list_filter = ["passed", "counted", "late"]
    list_select_related = ["student", "quiz__lecture"]
    search_fields = ["student__email", "quiz__lecture__title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExtraAttempt)
class ExtraAttemptAdmin(core_admin.ModelAdmin):
    list_display = ["student", "quiz", "granted_by", "created_at"]
    list_select_related = ["student", "quiz__lecture", "granted_by"]
    autocomplete_fields = ["quiz", "student"]
    readonly_fields = ["granted_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user  # identity from the request, never the form
        super().save_model(request, obj, form, change)

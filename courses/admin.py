from django import forms
from django.contrib import admin, messages
from django.db.models import Count, F, Max, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Role
from core import admin as core_admin
from courses.models import (
    Category,
    Course,
    Lecture,
    Module,
    authorable_lecture_kinds,
    currency_choices,
)
from courses.services import course_admin_save, course_instructors_set, courses_status_set
from courses.video import VideoProvider, parse_video_url


@admin.register(Category)
class CategoryAdmin(core_admin.ModelAdmin):
    list_display = ["name", "slug", "course_total"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_course_total=Count("courses"))

    @admin.display(description=_("courses"), ordering="_course_total")
    def course_total(self, obj):
        return obj._course_total


class OrderedInlineFormSet(forms.BaseInlineFormSet):
    """Rows that unique (parent, order) keeps apart, whose orders an admin may swap.

    Django saves the rows one at a time, so a swap (or taking a deleted row's place) would
    break the constraint halfway. The rows that move or go first step past the last order
    in use; the form's validation has already refused two rows with one order.
    """

    def save_existing_objects(self, commit=True):
        deleted = self.deleted_forms
        stepping_aside = [
            form.instance.pk
            for form in self.initial_forms
            if form in deleted or "order" in form.changed_data
        ]
        if commit and stepping_aside:
            rows = self.model._default_manager.filter(**{self.fk.name: self.instance})
            last = rows.aggregate(last=Max("order"))["last"] or 0
            # One UPDATE: distinct orders stay distinct, all past the last (as the workspace's
            # reordering does).
            rows.filter(pk__in=stepping_aside).update(order=F("order") + last + 1)
        return super().save_existing_objects(commit)


class ModuleInline(admin.TabularInline):
    model = Module
    formset = OrderedInlineFormSet
    fields = ["title", "order", "is_published"]
    ordering = ["order", "id"]
    extra = 0
    show_change_link = True


class CourseAdminForm(forms.ModelForm):
    intro_video_url = forms.URLField(
        label=_("intro video URL"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("A YouTube or Vimeo link."),
    )
    # Picked from a list: a typo here would only surface at checkout.
    currency = forms.TypedChoiceField(label=_("currency"), choices=currency_choices)

    class Meta:
        model = Course
        fields = [
            "title",
            "slug",
            "subtitle",
            "category",
            "instructors",
            "status",
            "description",
            "what_you_will_learn",
            "requirements",
            "level",
            "thumbnail",
            "intro_video_url",
            "price",
            "currency",
            "is_featured",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.currency
        if current and current not in dict(self.fields["currency"].choices):
            # A course priced before the list existed keeps its currency until changed.
            self.fields["currency"].choices = [(current, current.upper()), *currency_choices()]

    def clean_intro_video_url(self):
        # Only links the site can embed (YouTube/Vimeo) are accepted.
        url = self.cleaned_data["intro_video_url"]
        if url:
            parse_video_url(url)
        return url


# Kept by the services, never typed in by hand.
STATISTICS_FIELDS = (
    "duration_minutes",  # the sum of the published lectures, kept by the lecture services
    "rating_average",
    "rating_count",
    "enrollment_count",
    "published_at",
    "created_at",
    "updated_at",
)


@admin.register(Course)
class CourseAdmin(core_admin.ModelAdmin):
    form = CourseAdminForm
    list_display = [
        "title",
        "category",
        "status",
        "price",
        "currency",
        "is_featured",
        "rating_average",
        "enrollment_count",
        "published_at",
    ]
    list_select_related = ["category"]
    list_filter = ["status", "level", "category", "is_featured"]
    search_fields = ["title", "description"]
    date_hierarchy = "published_at"
    filter_horizontal = ["instructors"]
    inlines = [ModuleInline]
    actions = ["publish", "archive"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "subtitle", "category", "instructors", "status"]}),
        (
            _("Content"),
            {
                "fields": [
                    "description",
                    "what_you_will_learn",
                    "requirements",
                    "level",
                    "thumbnail",
                    "intro_video_url",
                ]
            },
        ),
        (_("Price"), {"fields": ["price", "currency", "is_featured"]}),
        (
            _("Statistics"),
            {"fields": list(STATISTICS_FIELDS)},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Slugs are stable: chosen once on creation, so links and bookmarks keep working.
        return STATISTICS_FIELDS + (("slug",) if obj else ())

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else {"slug": ["title"]}

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "instructors":
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(
                role=Role.INSTRUCTOR
            ).order_by("name", "email")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        course_admin_save(actor=request.user, course=obj)

    def save_related(self, request, form, formsets, change):
        # Instructors are set by the service (rules and notifications), not by the form.
        instructors = form.cleaned_data.pop("instructors", None)
        super().save_related(request, form, formsets, change)
        if instructors is not None:
            course_instructors_set(
                actor=request.user, course=form.instance, instructors=instructors
            )

    def _set_status(self, request, queryset, status, done_message):
        count = courses_status_set(actor=request.user, courses=queryset, status=status)
        self.message_user(request, done_message(count) % count, messages.SUCCESS)

    @admin.action(description=_("Publish selected courses"))
    def publish(self, request, queryset):
        self._set_status(
            request,
            queryset,
            Course.Status.PUBLISHED,
            lambda n: ngettext("Published %d course.", "Published %d courses.", n),
        )

    @admin.action(description=_("Archive selected courses"))
    def archive(self, request, queryset):
        self._set_status(
            request,
            queryset,
            Course.Status.ARCHIVED,
            lambda n: ngettext("Archived %d course.", "Archived %d courses.", n),
        )


def _quiz_kind_kept(lecture: Lecture, kind: str) -> bool:
    """Whether a quiz lecture whose quiz holds attempts or questions is being made another
    kind: refused, as in the workspace (assessment.authoring.quiz_in_use_error), since
    students' records or the author's questions would vanish. Read through the reverse
    relations: courses sits below assessment and imports nothing from it."""
    if lecture.pk is None or lecture.kind != Lecture.Kind.QUIZ or kind == Lecture.Kind.QUIZ:
        return False
    in_use = Q(quiz__attempts__isnull=False) | Q(quiz__questions__isnull=False)
    return Lecture.objects.filter(in_use, pk=lecture.pk).exists()


QUIZ_KIND_KEPT = _(
    "This quiz has questions or students' attempts, so it stays a quiz: attempts are kept "
    "for good, and questions must be deleted first."
)


def _clean_kind(lecture: Lecture, kind: str) -> str:
    if _quiz_kind_kept(lecture, kind):
        raise forms.ValidationError(QUIZ_KIND_KEPT)
    return kind


class LectureInlineForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = authorable_lecture_kinds(self.instance.kind)

    def clean_kind(self):
        return _clean_kind(self.instance, self.cleaned_data["kind"])


class LectureInline(admin.TabularInline):
    model = Lecture
    form = LectureInlineForm
    formset = OrderedInlineFormSet
    fields = ["title", "order", "kind", "is_published", "is_free_preview", "duration_seconds"]
    ordering = ["order", "id"]
    extra = 0
    show_change_link = True


@admin.register(Module)
class ModuleAdmin(core_admin.ModelAdmin):
    list_display = ["title", "course", "order", "is_published"]
    list_select_related = ["course"]
    list_filter = ["is_published", "course__category"]
    search_fields = ["title", "course__title"]
    autocomplete_fields = ["course"]
    inlines = [LectureInline]


_VIDEO_PAGE = {
    VideoProvider.YOUTUBE: "https://www.youtube.com/watch?v={}",
    VideoProvider.VIMEO: "https://vimeo.com/{}",
}


class LectureAdminForm(forms.ModelForm):
    """Admins paste a YouTube/Vimeo link; only the parsed (provider, id) pair is stored."""

    video_url = forms.CharField(
        label=_("Video link"),
        required=False,
        max_length=500,
        help_text=_("A YouTube or Vimeo link. Leave empty for a text lecture or an uploaded file."),
    )

    class Meta:
        model = Lecture
        fields = [
            "module",
            "title",
            "order",
            "kind",
            "body",
            "video_url",
            "video_file",
            "attachment",
            "duration_seconds",
            "is_free_preview",
            "is_published",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lecture = self.instance
        self.fields["kind"].choices = authorable_lecture_kinds(lecture.kind)
        if lecture.video_provider in _VIDEO_PAGE and lecture.video_id:
            self.initial.setdefault(
                "video_url", _VIDEO_PAGE[lecture.video_provider].format(lecture.video_id)
            )

    def clean_kind(self):
        return _clean_kind(self.instance, self.cleaned_data["kind"])

    def clean_video_url(self):
        url = self.cleaned_data["video_url"].strip()
        provider, video_id = parse_video_url(url) if url else ("", "")
        # Set before the model's clean() runs, which needs to see the video reference.
        self.instance.video_provider, self.instance.video_id = provider, video_id
        return url


@admin.register(Lecture)
class LectureAdmin(core_admin.ModelAdmin):
    form = LectureAdminForm
    list_display = ["title", "module", "course", "order", "kind", "is_published", "is_free_preview"]
    list_select_related = ["module__course"]
    list_filter = ["kind", "is_published", "is_free_preview"]
    search_fields = ["title"]
    autocomplete_fields = ["module"]
    readonly_fields = ["video_provider", "video_id"]

    @admin.display(description=_("course"), ordering="module__course__title")
    def course(self, obj):
        return obj.module.course

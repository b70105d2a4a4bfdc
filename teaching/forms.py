"""Forms of the instructor workspace. They parse input; the services do the writes.

A course's title, price, instructors and status are in no form here: those stay
admin-only, so nothing posted to /teach/ can change them.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.numbers import parse_id
from core.uploads import (
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    validate_attachment_upload,
    validate_image_upload,
    validate_video_upload,
)
from courses.models import Lecture, Module, authorable_lecture_kinds
from courses.video import VideoProvider, parse_video_url

MAX_DURATION_SECONDS = 24 * 3600


class ModuleForm(forms.ModelForm):
    class Meta:
        model = Module
        fields = ["title", "description", "is_published"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


MAX_REORDER_IDS = 1000


class IdListField(forms.Field):
    """Every value of a repeated POST field (`module=3&module=1&…`) as a list of ids."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("Send the new order as a list of ids."),
        "too_many": _("Too many items to reorder at once."),
    }

    def to_python(self, value):
        values = value or []
        if len(values) > MAX_REORDER_IDS:
            raise ValidationError(self.error_messages["too_many"], code="too_many")
        ids = []
        for item in values:
            item = parse_id(str(item).strip())
            if item is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            ids.append(item)
        return ids


class ModuleOrderForm(forms.Form):
    module = IdListField()


class LectureOrderForm(forms.Form):
    lecture = IdListField()


class PublishForm(forms.Form):
    is_published = forms.TypedChoiceField(
        choices=[("1", _("Publish")), ("0", _("Unpublish"))], coerce=lambda v: v == "1"
    )


def watch_url(provider: str, video_id: str) -> str:
    """The public page of a stored video reference, shown back in the edit form."""
    if provider == VideoProvider.YOUTUBE:
        return f"https://www.youtube.com/watch?v={video_id}"
    if provider == VideoProvider.VIMEO:
        return f"https://vimeo.com/{video_id}"
    return ""


class LectureForm(forms.Form):
    module = forms.ModelChoiceField(queryset=Module.objects.none(), label=_("Module"))
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Lecture.Kind.choices)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Headings, lists, links, images, code and tables. HTML is not rendered."),
    )
    video_url = forms.CharField(
        label=_("YouTube or Vimeo link"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://www.youtube.com/watch?v=…"}),
    )
    video_file = forms.FileField(
        label=_("Or upload a video"),
        required=False,
        validators=[validate_video_upload],
        widget=forms.FileInput(attrs={"accept": ",".join(sorted(VIDEO_EXTENSIONS))}),
        help_text=_("MP4, WebM, Ogg or MOV."),
    )
    remove_video_file = forms.BooleanField(label=_("Remove the uploaded video"), required=False)
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        validators=[validate_attachment_upload],
        widget=forms.FileInput,
        help_text=_("PDF, ZIP, office document, text, Markdown or image."),
    )
    remove_attachment = forms.BooleanField(label=_("Remove the attachment"), required=False)
    duration_minutes = forms.IntegerField(
        label=_("Duration: minutes"), min_value=0, max_value=MAX_DURATION_SECONDS // 60, initial=0
    )
    duration_seconds = forms.IntegerField(
        label=_("and seconds"), min_value=0, max_value=59, initial=0
    )
    is_free_preview = forms.BooleanField(
        label=_("Free preview (anyone may watch it)"), required=False
    )
    is_published = forms.BooleanField(
        label=_("Published"),
        required=False,
        initial=False,
        help_text=_("Students see a lecture once it is published; until then it is a draft."),
    )

    def __init__(self, *args, course, lecture: Lecture | None = None, **kwargs):
        self.lecture = lecture
        if lecture is not None:
            kwargs.setdefault(
                "initial",
                {
                    "module": lecture.module_id,
                    "title": lecture.title,
                    "kind": lecture.kind,
                    "body": lecture.body,
                    "video_url": watch_url(lecture.video_provider, lecture.video_id),
                    "duration_minutes": lecture.duration_seconds // 60,
                    "duration_seconds": lecture.duration_seconds % 60,
                    "is_free_preview": lecture.is_free_preview,
                    "is_published": lecture.is_published,
                },
            )
        super().__init__(*args, **kwargs)
        # Only this course's modules: a forged id of another course's module is "invalid".
        self.fields["module"].queryset = Module.objects.filter(course=course).order_by("order")
        self.fields["kind"].choices = authorable_lecture_kinds(lecture.kind if lecture else "")
        if lecture is None or not lecture.video_file:
            del self.fields["remove_video_file"]
        if lecture is None or not lecture.attachment:
            del self.fields["remove_attachment"]

    def clean_video_url(self):
        url = self.cleaned_data["video_url"].strip()
        return parse_video_url(url) if url else ("", "")

    def clean(self):
        data = super().clean()
        if "duration_minutes" in data and "duration_seconds" in data:
            total = data["duration_minutes"] * 60 + data["duration_seconds"]
            if total > MAX_DURATION_SECONDS:
                self.add_error("duration_minutes", _("A lecture lasts at most 24 hours."))
            data["duration"] = total
        if data.get("kind") != Lecture.Kind.VIDEO or "video_url" not in data:
            return data
        link = data["video_url"][1]
        upload = data.get("video_file")
        if upload and link:
            if "video_url" in self.changed_data:
                raise ValidationError(_("Choose either an uploaded video or a link, not both."))
            data["video_url"] = ("", "")  # the shown current link gives way to the new upload
            link = ""
        keeps_file = (
            self.lecture is not None
            and bool(self.lecture.video_file)
            and not data.get("remove_video_file")
        )
        if not (upload or link or keeps_file):
            self.add_error(
                "video_url", _("A video lecture needs an uploaded video or a YouTube/Vimeo link.")
            )
        return data

    def service_kwargs(self) -> dict:
        """cleaned_data as lecture_create/lecture_update arguments."""
        data = self.cleaned_data
        provider, video_id = data["video_url"]

        def file_arg(upload_name, remove_name):
            if data.get(upload_name):
                return data[upload_name]
            return False if data.get(remove_name) else None

        return {
            "module": data["module"],
            "title": data["title"],
            "kind": data["kind"],
            "body": data["body"],
            "video_file": file_arg("video_file", "remove_video_file"),
            "video_provider": provider,
            "video_id": video_id,
            "attachment": file_arg("attachment", "remove_attachment"),
            "duration_seconds": data["duration"],
            "is_free_preview": data["is_free_preview"],
            "is_published": data["is_published"],
        }


class CourseDetailsForm(forms.Form):
    """What a course's instructors may say about it on its page."""

    subtitle = forms.CharField(label=_("Subtitle"), max_length=255, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Shown on the course page."),
    )
    what_you_will_learn = forms.CharField(
        label=_("What you will learn"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One item per line."),
    )
    requirements = forms.CharField(
        label=_("Requirements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item per line."),
    )
    thumbnail = forms.FileField(
        label=_("Thumbnail"),
        required=False,
        validators=[validate_image_upload],
        widget=forms.FileInput(attrs={"accept": ",".join(sorted(IMAGE_EXTENSIONS))}),
        help_text=_("JPEG, PNG, WebP or GIF, shown at 16:9 (for example 1280 × 720)."),
    )
    remove_thumbnail = forms.BooleanField(label=_("Remove the thumbnail"), required=False)
    intro_video_url = forms.URLField(
        label=_("Promo video"),
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://www.youtube.com/watch?v=…"}),
        help_text=_("A YouTube or Vimeo link, shown at the top of the course page."),
    )

    def __init__(self, *args, course, **kwargs):
        self.course = course
        kwargs.setdefault(
            "initial",
            {
                "subtitle": course.subtitle,
                "description": course.description,
                "what_you_will_learn": course.what_you_will_learn,
                "requirements": course.requirements,
                "intro_video_url": course.intro_video_url,
            },
        )
        super().__init__(*args, **kwargs)
        if not course.thumbnail:
            del self.fields["remove_thumbnail"]

    def clean_intro_video_url(self):
        # Only links the course page can embed (YouTube/Vimeo), as in the admin.
        url = self.cleaned_data["intro_video_url"]
        if url:
            parse_video_url(url)
        return url

    def clean(self):
        data = super().clean()
        if data.get("thumbnail") and data.get("remove_thumbnail"):
            self.add_error("thumbnail", _("Choose a new thumbnail or remove it, not both."))
        return data

    def service_kwargs(self) -> dict:
        """cleaned_data as course_details_update arguments."""
        data = self.cleaned_data
        if data.get("thumbnail"):
            thumbnail = data["thumbnail"]
        else:
            thumbnail = False if data.get("remove_thumbnail") else None
        return {
            "subtitle": data["subtitle"],
            "description": data["description"],
            "what_you_will_learn": data["what_you_will_learn"],
            "requirements": data["requirements"],
            "intro_video_url": data["intro_video_url"],
            "thumbnail": thumbnail,
        }

"""Forms of the instructor workspace. They parse input; the services do the writes.

There is deliberately no form for a course's title, price, instructors or status: those
stay admin-only, so nothing posted to /teach/ can change them.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.uploads import (
    VIDEO_EXTENSIONS,
    validate_attachment_upload,
    validate_video_upload,
)
from courses.models import Lecture, Module
from courses.video import VideoProvider, parse_video_url

MAX_DURATION_SECONDS = 24 * 3600


class ModuleForm(forms.ModelForm):
    class Meta:
        model = Module
        fields = ["title", "description", "is_published"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


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
    is_published = forms.BooleanField(label=_("Published"), required=False, initial=True)

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

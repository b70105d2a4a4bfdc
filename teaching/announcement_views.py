"""Course announcements in the workspace: the past ones, a form to post another, and a
correction or removal of one.

The course is looked up among the user's editable courses (another instructor's course is
a 404, anonymous users go to the login page), an announcement among its course's; the
services in progress.services check the actor again, and announcement_post holds the
per-course rate limit and leaves the students to the tasks.
"""

from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from progress import selectors as progress_selectors
from progress import services as progress_services
from progress.models import Announcement
from teaching.views import INVALID, _add_errors, _course, _gone_is_404

ANNOUNCEMENTS_PER_PAGE = 20


class AnnouncementForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"), max_length=progress_services.ANNOUNCEMENT_TITLE_MAX
    )
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=progress_services.ANNOUNCEMENT_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Markdown: **bold**, *italic*, lists and links. Every enrolled student is "
            "notified, and emailed if they chose to be."
        ),
    )


class AnnouncementEditForm(AnnouncementForm):
    """The same fields; a correction notifies no one again, and says so."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = gettext_lazy(
            "Markdown: **bold**, *italic*, lists and links. No one is notified again."
        )


def _submitted(request, slug, form, save, done_message):
    """For a valid form posted: `save(**form.cleaned_data)`, then back to the list with
    `done_message`; None when there is nothing to save or the service refused (its errors
    are on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        save(**form.cleaned_data)
    except ValidationError as error:
        _add_errors(form, error)
        return None
    messages.success(request, done_message)
    return redirect("teach:announcements", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def announcements(request, slug):
    course = _course(request, slug)
    form = AnnouncementForm(request.POST if request.method == "POST" else None)
    posted = _submitted(
        request,
        course.slug,
        form,
        partial(progress_services.announcement_post, actor=request.user, course=course),
        _("Announcement posted. Your students are being notified."),
    )
    if posted:
        return posted
    page = Paginator(progress_selectors.course_announcements(course=course), ANNOUNCEMENTS_PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    for announcement in page.object_list:
        announcement.body_html = progress_selectors.announcement_body_html(announcement.body, top=4)
    context = {
        "course": course,
        "form": form,
        "page": page,
        "per_hour": progress_services.announcements_per_hour(),
    }
    return render(
        request,
        "teaching/announcements.html",
        context,
        status=INVALID if form.is_bound else 200,
    )


def _announcement(request, slug, announcement_id) -> Announcement:
    course = _course(request, slug)
    return get_object_or_404(
        Announcement.objects.select_related("course"), pk=announcement_id, course=course
    )


@login_required
@require_http_methods(["GET", "POST"])
@_gone_is_404
def announcement_edit(request, slug, announcement_id):
    announcement = _announcement(request, slug, announcement_id)
    initial = {"title": announcement.title, "body": announcement.body}
    form = AnnouncementEditForm(request.POST if request.method == "POST" else None, initial=initial)
    update = partial(
        progress_services.announcement_update, actor=request.user, announcement=announcement
    )
    updated = _submitted(request, slug, form, update, _("Announcement updated."))
    if updated:
        return updated
    return render(
        request,
        "teaching/announcement_form.html",
        {"course": announcement.course, "announcement": announcement, "form": form},
        status=INVALID if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def announcement_delete(request, slug, announcement_id):
    announcement = _announcement(request, slug, announcement_id)
    if request.method == "POST":
        progress_services.announcement_delete(actor=request.user, announcement=announcement)
        messages.success(
            request, _("Announcement “%(title)s” deleted.") % {"title": announcement.title}
        )
        return redirect("teach:announcements", slug=slug)
    context = {"course": announcement.course, "announcement": announcement}
    return render(request, "teaching/announcement_delete.html", context)

"""Course announcements in the workspace: the past ones and a form to post another.

The course is looked up among the user's editable courses (another instructor's course is
a 404, anonymous users go to the login page); progress.services.announcement_post checks
the actor again, holds the per-course rate limit and leaves the students to the tasks.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from progress import selectors as progress_selectors
from progress import services as progress_services
from teaching.views import INVALID, _add_errors, _course

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


@login_required
@require_http_methods(["GET", "POST"])
def announcements(request, slug):
    course = _course(request, slug)
    form = AnnouncementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            progress_services.announcement_post(
                actor=request.user, course=course, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Announcement posted. Your students are being notified."))
            return redirect("teach:announcements", slug=course.slug)
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

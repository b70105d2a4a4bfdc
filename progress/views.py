import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses.models import Course
from progress import selectors, services
from progress.forms import ReviewForm
from progress.models import Review

# Private media go out with one of these types only: never anything a browser renders as a page.
MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".ogg": "video/ogg",
    ".mov": "video/quicktime",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".markdown": "text/plain; charset=utf-8",
}
MEDIA_FIELDS = {"video": "video_file", "attachment": "attachment"}


def _outline_item(request, slug, lecture_id, *, shared=False):
    """(course, outline, item) for a lecture URL; 404 when the user may not know it exists.

    `shared`: the course and the outline from the caches, with the lecture when it is cached
    (for selectors.lecture_for), for pages that only read them (see
    selectors.learner_outline); writes read the database.
    """
    if shared:
        outline = selectors.learner_outline(user=request.user, slug=slug, lecture_id=lecture_id)
    else:
        course, can_manage = selectors.learnable_course(user=request.user, slug=slug)
        outline = selectors.course_outline_state(
            user=request.user, course=course, can_manage=can_manage
        )
    item = outline.state_of(lecture_id)
    if item is None:
        raise Http404
    return outline.course, outline, item


def _locked_redirect(request, course, outline):
    """Send a visitor who reached a locked lecture to the one they can do next."""
    if outline.enrollment is None:
        messages.info(request, _("Enroll in this course to open that lecture."))
        return redirect(course.get_absolute_url())
    messages.info(request, _("Complete the previous lectures first."))
    target = outline.next_to_do()
    if target is None:
        return redirect(course.get_absolute_url())
    return redirect(target.url)


@login_required
@require_GET
def my_learning(request):
    user = request.user
    context = {"learning": selectors.my_learning(user=user)}
    return render(request, "progress/my_learning.html", context)


@login_required
@require_GET
def resume(request, slug):
    outline = selectors.learner_outline(user=request.user, slug=slug)
    course = outline.course
    if outline.enrollment is None and not outline.can_manage:
        messages.info(request, _("Enroll in this course to start learning."))
        return redirect(course.get_absolute_url())
    target = next((i for i in outline.items if i.is_open and not i.is_completed), None)
    if target is None and outline.enrollment is not None:
        target = outline.state_of(outline.enrollment.last_lecture_id)  # all done: last watched
    if target is None or not target.is_open:
        target = next((i for i in outline.items if i.is_open), None)
    if target is None:
        messages.info(request, _("This course has no lectures yet."))
        return redirect(course.get_absolute_url())
    return redirect(target.url)


def _player_context(course, outline, item, lecture):
    previous, following = outline.neighbours(item.lecture.pk)
    return {
        "course": course,
        "outline": outline,
        "item": item,
        "lecture": lecture,
        "complete_url": reverse("progress:complete", args=[course.slug, item.lecture.pk]),
        "previous": previous,
        "next": following,
        "can_complete": outline.enrollment is not None and item.is_published,
    }


@require_GET
def player(request, slug, lecture_id):
    course, outline, item = _outline_item(request, slug, lecture_id, shared=True)
    if not item.is_open:
        return _locked_redirect(request, course, outline)
    lecture = selectors.lecture_for(outline, item)
    services.enrollment_touch(enrollment=outline.enrollment, lecture=lecture)
    context = _player_context(course, outline, item, lecture)
    return render(request, "progress/player.html", context)


@login_required
@require_POST
def complete(request, slug, lecture_id):
    course, outline, item = _outline_item(request, slug, lecture_id)
    # Raises PermissionDenied (403) for a locked lecture or without an active enrollment.
    services.lecture_complete(user=request.user, course=course, lecture=item.lecture)
    outline = selectors.course_outline_state(
        user=request.user, course=course, can_manage=outline.can_manage
    )
    item = outline.state_of(lecture_id)
    _previous, following = outline.neighbours(item.lecture.pk)
    finished = outline.is_complete and outline.enrollment is not None
    go_on = not finished and following is not None and following.is_open
    if request.htmx:
        # The fragments need only the outline entry's id and title, not the whole lecture.
        context = _player_context(course, outline, item, item.lecture)
        # Keyboard focus stays on what comes next (htmx focuses the swapped [autofocus]).
        context["focus"] = "complete" if finished else "next" if go_on else "status"
        return render(request, "progress/_complete_response.html", context)
    if finished:
        messages.success(request, _("You completed the course. Well done!"))
    # Without JavaScript: the next lecture's lesson, else this lecture's completion panel.
    if go_on:
        return redirect(f"{following.url}#lesson")
    return redirect(f"{item.url}#lecture-complete")


@require_GET
def lecture_media(request, slug, lecture_id, kind):
    """Private lecture media, behind the same unlock rule as the player."""
    if kind not in MEDIA_FIELDS:
        raise Http404
    course, outline, item = _outline_item(request, slug, lecture_id, shared=True)
    if not item.is_open:
        raise Http404
    file = getattr(selectors.lecture_for(outline, item), MEDIA_FIELDS[kind])
    if not file:
        raise Http404
    storage = file.storage
    try:
        path = storage.path(file.name)
    except NotImplementedError:
        # Remote private storage (Cloudinary): its URL is signed and unguessable.
        response = HttpResponseRedirect(storage.url(file.name))
    else:
        if not os.path.isfile(path):
            raise Http404
        extension = os.path.splitext(file.name)[1].lower()
        response = FileResponse(
            open(path, "rb"),  # noqa: SIM115  (FileResponse closes it)
            as_attachment=kind == "attachment",
            filename=os.path.basename(file.name),
            content_type=MEDIA_TYPES.get(extension, "application/octet-stream"),
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _review_course(slug):
    return get_object_or_404(Course.objects.published(), slug=slug)


@login_required
@require_POST
def review_save(request, slug):
    course = _review_course(slug)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            _review, created = services.review_upsert(
                student=request.user,
                course=course,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if created:
                messages.success(request, _("Thank you for your review."))
            else:
                messages.success(request, _("Your review was updated."))
            return redirect(course.get_absolute_url())
    return render(
        request, "progress/review_page.html", {"course": course, "form": form}, status=400
    )


@login_required
@require_POST
def review_remove(request, slug):
    course = _review_course(slug)
    review = get_object_or_404(Review, course=course, student=request.user)
    services.review_delete(student=request.user, review=review)
    messages.success(request, _("Your review was deleted."))
    return redirect(course.get_absolute_url())


# --- Announcements ----------------------------------------------------------------------------

ANNOUNCEMENTS_PER_PAGE = 10


@login_required
@require_GET
def announcements(request, slug):
    """Every announcement of a course, newest first: for its students and its managers."""
    outline = selectors.learner_outline(user=request.user, slug=slug)
    course = outline.course
    if outline.enrollment is None and not outline.can_manage:
        messages.info(request, _("Enroll in this course to read its announcements."))
        return redirect(course.get_absolute_url())
    page = Paginator(selectors.course_announcements(course=course), ANNOUNCEMENTS_PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    for announcement in page.object_list:
        announcement.body_html = selectors.announcement_body_html(announcement.body)
    context = {"course": course, "outline": outline, "page": page}
    return render(request, "progress/announcements.html", context)


@login_required
@require_GET
def announcements_latest(request, slug):
    """The newest announcements' titles, fetched by the player's side once it shows."""
    outline = selectors.learner_outline(user=request.user, slug=slug)
    if outline.enrollment is None and not outline.can_manage:
        raise PermissionDenied
    latest = selectors.latest_announcements(course_id=outline.course.pk)
    context = {"course": outline.course, "latest": latest}
    return render(request, "progress/_announcements_latest.html", context)

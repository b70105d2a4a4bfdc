from django import template

from courses.video import VideoProvider
from progress.forms import ReviewForm
from progress.models import Review
from progress.selectors import active_enrollment

register = template.Library()

_LOOKUP = object()

_WATCH_URLS = {
    VideoProvider.YOUTUBE: "https://www.youtube.com/watch?v={}",
    VideoProvider.VIMEO: "https://vimeo.com/{}",
}


@register.inclusion_tag("progress/review_form.html", takes_context=True)
def course_review_form(context, course, enrollment=_LOOKUP):
    """The review form on a course page, for students with an active enrollment only.

    Pages that already hold the user's active enrollment (the player) pass it in.
    """
    user = context["request"].user
    if enrollment is _LOOKUP:
        enrollment = active_enrollment(user=user, course=course)
    review = Review.objects.filter(course=course, student=user).first() if enrollment else None
    initial = {"rating": review.rating, "text": review.text} if review else {}
    return {
        "course": course,
        "enrollment": enrollment,
        "review": review,
        "form": ReviewForm(initial=initial),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def video_watch_url(lecture) -> str:
    """The lecture's video on its provider's own site, for when the embed does not load."""
    pattern = _WATCH_URLS.get(lecture.video_provider)
    return pattern.format(lecture.video_id) if pattern and lecture.video_id else ""

from django import template

from progress.models import Review
from progress.selectors import active_enrollment

register = template.Library()

_LOOKUP = object()


@register.inclusion_tag("progress/review_form.html", takes_context=True)
def course_review_form(context, course, enrollment=_LOOKUP):
    """The review form on a course page, for students with an active enrollment only.

    Pages that already hold the user's active enrollment (the player) pass it in.
    """
    user = context["request"].user
    if enrollment is _LOOKUP:
        enrollment = active_enrollment(user=user, course=course)
    review = Review.objects.filter(course=course, student=user).first() if enrollment else None
    return {
        "course": course,
        "enrollment": enrollment,
        "review": review,
        "csrf_token": context.get("csrf_token"),
    }

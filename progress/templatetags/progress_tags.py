from django import template

from progress.models import Review
from progress.selectors import active_enrollment

register = template.Library()


@register.inclusion_tag("progress/review_form.html", takes_context=True)
def course_review_form(context, course):
    """The review form on a course page, for students with an active enrollment only."""
    user = context["request"].user
    enrollment = active_enrollment(user=user, course=course)
    review = Review.objects.filter(course=course, student=user).first() if enrollment else None
    return {
        "course": course,
        "enrollment": enrollment,
        "review": review,
        "csrf_token": context.get("csrf_token"),
    }

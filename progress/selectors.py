"""Reads of the progress app that other apps' views need."""

from progress.models import Enrollment, Review


def active_enrollment(*, user, course) -> Enrollment | None:
    """The user's active enrollment in `course`, or None (anonymous users have none)."""
    if not user.is_authenticated:
        return None
    return Enrollment.objects.filter(
        student=user, course=course, status=Enrollment.Status.ACTIVE
    ).first()


def visible_reviews(*, course):
    """Reviews the public may see for `course`, newest first, with their authors."""
    return (
        Review.objects.filter(course=course, is_visible=True)
        .select_related("student")
        .order_by("-created_at", "-id")
    )

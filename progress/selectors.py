"""Reads of the progress app that other apps' views need."""

from progress.models import Enrollment


def active_enrollment(*, user, course) -> Enrollment | None:
    """The user's active enrollment in `course`, or None (anonymous users have none)."""
    if not user.is_authenticated:
        return None
    return Enrollment.objects.filter(
        student=user, course=course, status=Enrollment.Status.ACTIVE
    ).first()

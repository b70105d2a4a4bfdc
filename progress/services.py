"""Writes of the progress app: enrollments, completions, reviews."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course
from notifications.models import Notification
from notifications.services import notify
from progress.models import Enrollment


@transaction.atomic
def enrollment_create(
    *, student, course: Course, source: str = Enrollment.Source.FREE
) -> tuple[Enrollment, bool]:
    """Give `student` access to `course`. Returns (enrollment, created_or_reactivated).

    Idempotent: an active enrollment is returned untouched; a revoked one comes back to life
    with its completions intact.
    """
    # Lock the course row: the enrollment counter and the uniqueness check must not race.
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status != Course.Status.PUBLISHED:
        raise ValidationError(_("This course is not open for enrollment."))
    enrollment, created = Enrollment.objects.get_or_create(
        student=student, course=course, defaults={"source": source}
    )
    if not created:
        if enrollment.is_active:
            return enrollment, False
        enrollment.status = Enrollment.Status.ACTIVE
        enrollment.revoked_at = None
        enrollment.source = source
        enrollment.save(update_fields=["status", "revoked_at", "source"])
    Course.objects.filter(pk=course.pk).update(enrollment_count=F("enrollment_count") + 1)
    notify(
        recipient=student,
        kind=Notification.Kind.ENROLLED,
        title=_("You are enrolled in %(course)s") % {"course": course.title},
        link=f"/learn/{course.slug}/",
    )
    return enrollment, True


@transaction.atomic
def enrollment_revoke(*, enrollment: Enrollment) -> Enrollment:
    """Take access away at once. Completions stay, in case access comes back."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if not enrollment.is_active:
        return enrollment
    enrollment.status = Enrollment.Status.REVOKED
    enrollment.revoked_at = timezone.now()
    enrollment.save(update_fields=["status", "revoked_at"])
    Course.objects.filter(pk=enrollment.course_id, enrollment_count__gt=0).update(
        enrollment_count=F("enrollment_count") - 1
    )
    return enrollment

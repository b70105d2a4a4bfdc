"""Writes of the courses app: course administration.

The instructor workspace's writes (modules and lectures) live in teaching.services.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from courses.models import Course
from notifications.models import Notification
from notifications.services import notify_many

# --- Course administration (admin only: instructors, status) ---------------------------------


def _require_admin(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.is_admin):
        raise PermissionDenied(_("Only admins may manage courses here."))


def course_admin_save(*, actor: User, course: Course) -> Course:
    """Save a course edited in the admin; the first publication stamps published_at."""
    _require_admin(actor)
    course.clean()  # the price and currency rules hold for every caller, not just the form
    if course.status == Course.Status.PUBLISHED and course.published_at is None:
        course.published_at = timezone.now()
    course.save()
    return course


def courses_status_set(*, actor: User, courses: QuerySet[Course], status: str) -> int:
    """Publish, archive or unpublish many courses at once; returns how many changed."""
    _require_admin(actor)
    if status not in Course.Status.values:
        raise ValidationError(_("Choose a valid status."))
    changes = {"status": status, "updated_at": timezone.now()}
    if status == Course.Status.PUBLISHED:
        # Keep the first publication date: "newest" should not reshuffle on re-publication.
        changes["published_at"] = Coalesce("published_at", timezone.now())
    return courses.exclude(status=status).update(**changes)


@transaction.atomic
def course_instructors_set(*, actor: User, course: Course, instructors: Iterable[User]) -> None:
    """Make `instructors` exactly the course's instructors and tell the newly assigned ones."""
    _require_admin(actor)
    instructors = list(instructors)
    not_instructors = [u for u in instructors if u.role != Role.INSTRUCTOR]
    if not_instructors:
        raise ValidationError(
            _("Only users with the instructor role can teach a course: %(users)s")
            % {"users": ", ".join(u.email for u in not_instructors)}
        )
    # The row lock serialises two admins saving the same course, so nobody is told twice.
    Course.objects.select_for_update().filter(pk=course.pk).first()
    current = set(course.instructors.values_list("pk", flat=True))
    course.instructors.set(instructors)
    added = [u for u in instructors if u.pk not in current]
    if added:
        notify_many(
            recipients=added,
            kind=Notification.Kind.INSTRUCTOR_ASSIGNED,
            title=_("You now teach %(course)s") % {"course": course.title},
            link=f"/teach/{course.slug}/",
        )

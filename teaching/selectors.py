"""Reads of the instructor workspace (/teach/)."""

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from courses.models import Course, Lecture, Module
from progress.models import Enrollment, LectureCompletion


def course_can_edit(user, course: Course) -> bool:
    """Assigned instructors and admins may edit a course's modules and lectures."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_admin:
        return True
    return user.is_instructor and course.instructors.filter(pk=user.pk).exists()


def editable_courses(*, user) -> QuerySet[Course]:
    """Courses `user` may edit: all for admins, the assigned ones for instructors."""
    if not user.is_authenticated:
        return Course.objects.none()
    if user.is_admin:
        return Course.objects.all()
    if user.is_instructor:
        return Course.objects.filter(instructors=user)
    return Course.objects.none()


def _count(queryset: QuerySet, group_by: str) -> Coalesce:
    """A correlated COUNT(*) subquery: one value per outer course, 0 when there are none."""
    # GROUP BY the course column, so the subquery yields one row.
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def teach_course_list(*, user) -> QuerySet[Course]:
    """The /teach/ list: editable courses with their counts, in one query.

    Each count is its own correlated subquery instead of Count() over joins, because
    joining modules, lectures, enrollments and completions together multiplies rows.

    Every active enrollee of a course has the same denominator (its published lectures), so
    the mean of completed/published over enrollees equals
    completions by active enrollees of published lectures / (active enrollees * published).
    """
    published_lectures = Lecture.objects.filter(
        module__course=OuterRef("pk"), is_published=True, module__is_published=True
    )
    active_enrollments = Enrollment.objects.filter(
        course=OuterRef("pk"), status=Enrollment.Status.ACTIVE
    )
    completions = LectureCompletion.objects.filter(
        enrollment__course=OuterRef("pk"),
        enrollment__status=Enrollment.Status.ACTIVE,
        lecture__module__course=OuterRef("pk"),
        lecture__is_published=True,
        lecture__module__is_published=True,
    )
    return (
        editable_courses(user=user)
        .annotate(
            module_count=_count(Module.objects.filter(course=OuterRef("pk")), "course"),
            published_lecture_count=_count(published_lectures, "module__course"),
            active_enrollment_count=_count(active_enrollments, "course"),
            completion_count=_count(completions, "enrollment__course"),
        )
        .annotate(
            average_progress=Case(
                When(
                    Q(active_enrollment_count__gt=0, published_lecture_count__gt=0),
                    then=Cast(F("completion_count"), FloatField())
                    * 100
                    / Cast(
                        F("active_enrollment_count") * F("published_lecture_count"), FloatField()
                    ),
                ),
                default=None,
                output_field=FloatField(),
            )
        )
        .order_by("title", "pk")
    )


def teach_course_outline(*, course: Course) -> list[Module]:
    """All modules of `course` (drafts included) with their lectures, both in order; each
    lecture with `question_total`, its quiz's questions (0 for other kinds)."""
    lectures = Lecture.objects.annotate(question_total=Count("quiz__questions")).order_by(
        "order", "pk"
    )
    return list(
        Module.objects.filter(course=course)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("lectures", queryset=lectures))
    )


def course_active_students(*, course: Course) -> QuerySet:
    """Users with an active enrollment in `course`."""
    enrolled = Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
    return get_user_model().objects.filter(pk__in=enrolled.values("student"))

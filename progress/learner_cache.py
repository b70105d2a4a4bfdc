"""A learner's own progress, cached until it changes.

Every view of the player (and resume, media, My learning) reads the same enrollment and
completions, which change only when the student enrolls, completes a lecture, moves to
another lecture, or loses access: far less often than pages are viewed. Each user has a
version (see core.versioned_cache) that every write to their enrollments or completions
changes; cached progress is used only under the version it was read under.

Writes through models are seen by the receivers below; bulk writes (`update()`,
`bulk_create()`) call `learner_changed()` themselves. Progress is cached only where every
process shares the cache (PER_USER_CACHES): access taken away in one process must not stay
open in another.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from core import versioned_cache
from core.versioned_cache import Version
from progress.models import Enrollment, LectureCompletion

# Bounds how long the versions of users who stopped coming stay in the cache.
VERSION_TIMEOUT_SECONDS = 24 * 60 * 60
# Short: should a change fail to reach the cache (Redis unreachable as it commits), cached
# progress outlives it by no more than this.
ENTRY_TIMEOUT_SECONDS = 10 * 60


def learner_version(user_id: int) -> Version:
    return Version(f"progress:learner-version:{user_id}", VERSION_TIMEOUT_SECONDS)


def learner_changed(user_ids: Iterable[int]) -> None:
    """Forget these users' cached progress, once the current transaction commits."""
    versioned_cache.changed({learner_version(user_id) for user_id in user_ids})


@receiver(pre_save, sender=Enrollment)
def _enrollment_moving(instance, update_fields=None, **kwargs):
    # An enrollment handed to another student takes access from the first.
    before = versioned_cache.stored_before_save(instance, "student", "student_id", update_fields)
    learner_changed(student_id for student_id in before if student_id != instance.student_id)


@receiver(pre_save, sender=LectureCompletion)
def _completion_moving(instance, update_fields=None, **kwargs):
    # A completion moved to another enrollment no longer counts for the first student.
    learner_changed(
        versioned_cache.stored_before_save(
            instance, "enrollment", "enrollment__student_id", update_fields
        )
    )


@receiver([post_save, post_delete], sender=Enrollment)
def _enrollment_changed(instance, **kwargs):
    learner_changed([instance.student_id])


@receiver([post_save, post_delete], sender=LectureCompletion)
def _completion_changed(instance, origin=None, **kwargs):
    origin_model = origin.model if isinstance(origin, QuerySet) else type(origin)
    if origin is not None and origin_model is not LectureCompletion:
        # Deleted with its enrollment (whose own signal changes the version) or with its
        # lecture, whose id then leaves the outline and no longer counts. Looking up the
        # student of each completion of a deleted lecture would cost a query apiece.
        return
    learner_changed([instance.enrollment.student_id])

"""A learner's own progress, cached until it changes.

Every view of the player (and resume, media, My learning) reads the same enrollment and
completions, which change only when the student enrolls, completes a lecture, moves to
another lecture, or loses access: far less often than pages are viewed. Each user has a
version (see edusphere.versioned_cache) that every write to their enrollments or completions
changes; cached progress is used only under the version it was read under.

Writes through models are seen by the receivers below; bulk writes (`update()`,
`bulk_create()`) call `learner_changed()` themselves. Progress is cached only where every
process shares the cache (PER_USER_CACHES): access taken away in one process must not stay
open in another.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from edusphere import versioned_cache
from edusphere.versioned_cache import Version
from progress.models import Enrollment, LectureCompletion

# Bounds how long the versions of users who stopped coming stay in the cache.
VERSION_TIMEOUT_SECONDS = 24 * 60 * 60
ENTRY_TIMEOUT_SECONDS = 60 * 60


def learner_version(user_id: int) -> Version:
    return Version(f"progress:learner-version:{user_id}", VERSION_TIMEOUT_SECONDS)


def learner_changed(user_ids: Iterable[int]) -> None:
    """Forget these users' cached progress, once the current transaction commits."""
    versioned_cache.changed({learner_version(user_id) for user_id in user_ids})


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

"""Caches of public course content, forgotten as soon as that content changes.

Whole public catalog pages, for anonymous visitors only: those pages are the same for every
visitor who is not logged in, and rendering them costs far more than serving them (see
docs/bench.md). CONTENT_VERSION (see core.versioned_cache) changes whenever any course,
module or lecture does, so a change shows at once; the page timeout only bounds what
counters updated in bulk (enrollment counts) may lag. The version and the entry are read in
one round trip. The learners' pages (progress.selectors) file what every learner shares
(a course, its outline, a lecture) under the same version.
"""

from functools import wraps
from hashlib import sha256

from django.contrib import messages
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse

from core import versioned_cache
from core.versioned_cache import Version
from courses.models import Category, Course, Lecture, Module

CONTENT_VERSION = Version("public-pages:version")
TIMEOUT_SECONDS = 60
# The version keeps shared values right. Counters on a cached course (enrollment count,
# rating) may lag: the pages that read shared values do not show them. This bounds memory.
SHARED_TIMEOUT_SECONDS = 60 * 60


def public_pages_changed() -> None:
    """Forget every cached public page and shared course content, once the current
    transaction commits."""
    versioned_cache.changed([CONTENT_VERSION])


def _cacheable(request) -> bool:
    # Logged-in pages differ per user; a pending message must reach only its reader.
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and len(messages.get_messages(request)) == 0
    )


def cache_for_anonymous(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        path = sha256(request.get_full_path().encode()).hexdigest()
        # "page" names the entry's shape: processes of an older release read other keys.
        key = f"public-pages:page:{request.LANGUAGE_CODE}:{path}"
        versions = (CONTENT_VERSION,)
        current, cached = versioned_cache.read({key: versions})
        if key in cached:
            content, content_type = cached[key]
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        # Only plain successful pages that set no cookie (no CSRF token, no session).
        if response.status_code == 200 and not response.cookies and not response.streaming:
            page = (response.content, response["Content-Type"])
            versioned_cache.write({key: page}, versions, current, TIMEOUT_SECONDS)
        return response

    return wrapper


@receiver([post_save, post_delete], sender=Course)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Module)
@receiver([post_save, post_delete], sender=Lecture)
@receiver(m2m_changed, sender=Course.instructors.through)
def _catalog_content_changed(**kwargs):
    public_pages_changed()

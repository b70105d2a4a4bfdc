"""Whole-page cache for the public catalog pages, for anonymous visitors only.

Those pages are the same for every visitor who is not logged in, and rendering them costs
far more than serving them (see docs/bench.md). A version number, stored with each cached
page, is bumped whenever anything they show changes, so a change shows at once; the timeout
only bounds what counters updated in bulk (enrollment counts) may lag. The version and the
page are read in one round trip.
"""

from functools import wraps
from hashlib import sha256

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse

from courses.models import Category, Course, Lecture, Module

VERSION_KEY = "public-pages:version"
TIMEOUT_SECONDS = 60


def _version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def public_pages_changed() -> None:
    """Forget every cached public page (after the current transaction commits)."""

    def bump():
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 2, timeout=None)

    transaction.on_commit(bump)


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
        key = f"public-pages:{request.LANGUAGE_CODE}:{path}"
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY) or _version()
        cached = found.get(key)
        if cached is not None and cached[0] == version:
            _version_made_under, content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        # Only plain successful pages that set no cookie (no CSRF token, no session).
        if response.status_code == 200 and not response.cookies and not response.streaming:
            page = (version, response.content, response["Content-Type"])
            cache.set(key, page, TIMEOUT_SECONDS)
        return response

    return wrapper


@receiver([post_save, post_delete], sender=Course)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Module)
@receiver([post_save, post_delete], sender=Lecture)
@receiver(m2m_changed, sender=Course.instructors.through)
def _catalog_content_changed(**kwargs):
    public_pages_changed()

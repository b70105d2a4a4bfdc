"""Whole public catalog pages, cached for anonymous visitors until course content changes.

Those pages are the same for every visitor who is not logged in, and rendering them costs
far more than serving them (see docs/bench.md). Entries are valid under the content version
(courses.models.CONTENT_VERSIONS), so a change shows at once; the short timeout bounds how
long counters updated in bulk (enrollment counts, ratings) may lag, and the memory.
"""

from functools import partial, wraps
from hashlib import sha256

from django.contrib import messages
from django.http import HttpResponse

from core import cache
from courses.models import CONTENT_VERSIONS

TIMEOUT_SECONDS = 60
# What the learners' pages file under the content version (a course, its outline, a
# lecture): counters on a cached course may lag, and those pages do not show them.
SHARED_TIMEOUT_SECONDS = 60 * 60

PUBLIC_PAGE = cache.Kind(
    "public-page",
    shape="content,content-type",
    versions=lambda language, path_digest: [CONTENT_VERSIONS.of()],
    timeout=TIMEOUT_SECONDS,
)


def _cacheable(request) -> bool:
    # Logged-in pages differ per user; a pending message must reach only its reader.
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and len(messages.get_messages(request)) == 0
    )


def bare_path(request) -> str | None:
    """Only the page without a query string is cached: each distinct query string would
    otherwise file a page of its own."""
    return None if request.META.get("QUERY_STRING") else request.path


def content_page(request, path_digest: str, *view_args, **view_kwargs) -> cache.Entry:
    """The entry of a catalog page: valid until course content changes."""
    return PUBLIC_PAGE(request.LANGUAGE_CODE, path_digest)


def cache_for_anonymous(view=None, *, key=bare_path, entry=content_page):
    """Cache `view`'s page for anonymous visitors under `key(request)` (None: not cached).

    `key` must tell apart every two requests whose pages differ, and should come from
    validated values, so that hostile query strings cannot fill the cache. `entry(request,
    path_digest, *view_args, **view_kwargs)` is the cache entry, which names the versions
    the page is valid under (by default, course content's).
    """
    if view is None:
        return partial(cache_for_anonymous, key=key, entry=entry)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        page_key = key(request) if _cacheable(request) else None
        if page_key is None:
            return view(request, *args, **kwargs)
        path_digest = sha256(f"{request.path}?{page_key}".encode()).hexdigest()
        page_entry = entry(request, path_digest, *args, **kwargs)
        found = cache.read(page_entry)
        if page_entry in found:
            content, content_type = found.get(page_entry)
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        # Only plain successful pages that set no cookie (no CSRF token, no session).
        if response.status_code == 200 and not response.cookies and not response.streaming:
            found.store({page_entry: (response.content, response["Content-Type"])})
        return response

    return wrapper

"""Caches of public course content, forgotten as soon as that content changes.

Whole public catalog pages, for anonymous visitors only: those pages are the same for every
visitor who is not logged in, and rendering them costs far more than serving them (see
docs/bench.md). And `shared()` values that every learner's pages need, such as a course's
outline. A version number, stored with each cached entry, is bumped whenever any course,
module or lecture changes, so a change shows at once; the page timeout only bounds what
counters updated in bulk (enrollment counts) may lag. The version and the entry are read in
one round trip.
"""

from functools import wraps
from hashlib import sha256

from django.contrib import messages
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse

from courses.models import Category, Course, Lecture, Module
from edusphere import versioned_cache
from edusphere.versioned_cache import Version

CONTENT_VERSION = Version("public-pages:version")
TIMEOUT_SECONDS = 60
# The version keeps shared values right. Counters on a cached course (enrollment count,
# rating) may lag: the pages that read shared values do not show them. This bounds memory.
SHARED_TIMEOUT_SECONDS = 60 * 60


def public_pages_changed() -> None:
    """Forget every cached public page (after the current transaction commits)."""
    versioned_cache.changed([CONTENT_VERSION])


def _cacheable(request) -> bool:
    # Logged-in pages differ per user; a pending message must reach only its reader.
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and len(messages.get_messages(request)) == 0
    )


def _read(keys) -> tuple[int, dict]:
    """(current version, {key: value} of the `keys` cached under it), in one round trip."""
    current, values = versioned_cache.read(dict.fromkeys(keys, (CONTENT_VERSION,)))
    return current[CONTENT_VERSION], values


def _write(entries: dict, version: int, timeout: int) -> None:
    versioned_cache.write(entries, (CONTENT_VERSION,), {CONTENT_VERSION: version}, timeout)


def shared(key: str, build, timeout: int = SHARED_TIMEOUT_SECONDS):
    """(value, version): `build()`, made once per content version for every process.

    Only for values made of course content (courses, modules, lectures): nothing per user.
    The version read comes before `build()` reads the database, so a value built while a
    change commits is filed under the older version and rebuilt on the next read.
    """
    version, cached = _read([key])
    if key in cached:
        return cached[key], version
    value = build()
    if value is not None:  # "not found" is not kept: unknown keys must not fill the cache
        _write({key: value}, version, timeout)
    return value, version


def shared_many(prefix: str, ids, build_missing) -> tuple[dict, int]:
    """({id: value}, version): `shared()` for many ids in one round trip.

    `build_missing(ids)` returns {id: value} for the ids not cached under this version.
    """
    keys = {f"{prefix}:{id_}": id_ for id_ in ids}
    version, cached = _read(keys)
    values = {keys[key]: value for key, value in cached.items()}
    missing = [id_ for id_ in keys.values() if id_ not in values]
    if missing:
        built = build_missing(missing)
        _write(
            {f"{prefix}:{id_}": value for id_, value in built.items()},
            version,
            SHARED_TIMEOUT_SECONDS,
        )
        values.update(built)
    return values, version


def cache_for_anonymous(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        path = sha256(request.get_full_path().encode()).hexdigest()
        # "page" names the entry's shape: processes of an older release read other keys.
        key = f"public-pages:page:{request.LANGUAGE_CODE}:{path}"
        version, cached = _read([key])
        if key in cached:
            content, content_type = cached[key]
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        # Only plain successful pages that set no cookie (no CSRF token, no session).
        if response.status_code == 200 and not response.cookies and not response.streaming:
            page = (response.content, response["Content-Type"])
            _write({key: page}, version, TIMEOUT_SECONDS)
        return response

    return wrapper


@receiver([post_save, post_delete], sender=Course)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Module)
@receiver([post_save, post_delete], sender=Lecture)
@receiver(m2m_changed, sender=Course.instructors.through)
def _catalog_content_changed(**kwargs):
    public_pages_changed()

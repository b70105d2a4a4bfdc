"""Reads of the courses app: the public catalog, the home page and the course outline."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from courses.models import Category, Course, Lecture, Module

SORT_ORDERINGS = {
    "newest": ("-published_at", "-id"),
    "popular": ("-enrollment_count", "-published_at", "-id"),
    "rating": ("-rating_average", "-rating_count", "-id"),
    "price": ("price", "-published_at", "-id"),
}


def _instructors_prefetch() -> Prefetch:
    # Cards and the detail page show names only: fetch no more of the user than that.
    users = get_user_model().objects.only("id", "name", "email").order_by("name", "id")
    return Prefetch("instructors", queryset=users)


def _public_courses() -> QuerySet[Course]:
    return (
        Course.objects.published()
        .select_related("category")
        .prefetch_related(_instructors_prefetch())
    )


def _search(queryset: QuerySet[Course], q: str) -> QuerySet[Course]:
    if settings.DB_IS_POSTGRES:
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("subtitle", weight="B", config="english")
            + SearchVector("description", weight="C", config="english")
        )
        # websearch syntax never raises on user input (quotes, "or", "-word", stray symbols).
        query = SearchQuery(q, search_type="websearch", config="english")
        return queryset.annotate(search=vector, rank=SearchRank(vector, query)).filter(search=query)
    return queryset.filter(
        Q(title__icontains=q) | Q(subtitle__icontains=q) | Q(description__icontains=q)
    )


def course_catalog(
    *,
    q: str = "",
    category: str | None = None,
    level: str = "",
    price: str = "",
    sort: str = "",
) -> QuerySet[Course]:
    """Published courses matching the filters, ready for course cards.

    `sort` is one of SORT_ORDERINGS; empty means best match when searching, newest otherwise.
    """
    courses = _public_courses()
    if category:
        courses = courses.filter(category__slug=category)
    if level:
        courses = courses.filter(level=level)
    if price == "free":
        courses = courses.filter(price=0)
    elif price == "paid":
        courses = courses.filter(price__gt=0)
    if q:
        courses = _search(courses, q)
    if sort in SORT_ORDERINGS:
        return courses.order_by(*SORT_ORDERINGS[sort])
    if q and settings.DB_IS_POSTGRES:
        return courses.order_by("-rank", *SORT_ORDERINGS["newest"])
    return courses.order_by(*SORT_ORDERINGS["newest"])


def featured_courses(*, limit: int = 6) -> QuerySet[Course]:
    return _public_courses().filter(is_featured=True).order_by(*SORT_ORDERINGS["newest"])[:limit]


def categories_with_counts() -> QuerySet[Category]:
    """Categories that have published courses, with how many."""
    published = Q(courses__status=Course.Status.PUBLISHED)
    return (
        Category.objects.annotate(course_count=Count("courses", filter=published))
        .filter(course_count__gt=0)
        .order_by("name")
    )


def public_course(*, slug: str) -> Course:
    """The published course with `slug`, or 404: drafts and archived courses are not public.

    Its instructors come with what the course page shows of them (photo and bio).
    """
    users = (
        get_user_model().objects.only("id", "name", "email", "avatar", "bio").order_by("name", "id")
    )
    courses = Course.objects.published().select_related("category")
    return get_object_or_404(
        courses.prefetch_related(Prefetch("instructors", queryset=users)), slug=slug
    )


def course_detail_outline(*, course: Course) -> list[Module]:
    """Published modules in order, each with `outline_lectures`: its published lectures.

    Lectures carry only what an outline shows; bodies, videos and attachments are never
    loaded, so a template cannot leak them.
    """
    lectures = (
        Lecture.objects.filter(is_published=True)
        .only("id", "module_id", "title", "order", "kind", "duration_seconds", "is_free_preview")
        .order_by("order", "id")
    )
    return list(
        Module.objects.filter(course=course, is_published=True)
        .only("id", "course_id", "title", "description", "order")
        .order_by("order", "id")
        .prefetch_related(Prefetch("lectures", queryset=lectures, to_attr="outline_lectures"))
    )

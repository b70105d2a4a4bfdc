"""The public course page, /courses/<slug>/ (URL name courses:detail).

It shows the course's content (from courses) with learner state (the visitor's enrollment,
the reviews), so it is composed here, above courses; the catalog and home stay in courses.
"""

from django.core.paginator import Paginator
from django.shortcuts import render

from courses import selectors as course_selectors
from courses.page_cache import cache_for_anonymous
from progress.selectors import (
    active_enrollment,
    has_completed_all,
    rating_breakdown,
    visible_reviews,
)

REVIEWS_PAGE_SIZE = 10


@cache_for_anonymous
def course_detail(request, slug):
    course = course_selectors.public_course(slug=slug)
    modules = course_selectors.course_detail_outline(course=course)
    ratings = rating_breakdown(course=course)
    paginator = Paginator(visible_reviews(course=course), REVIEWS_PAGE_SIZE)
    # The breakdown counted the same reviews: the paginator need not count them again.
    paginator.count = ratings.total
    enrollment = active_enrollment(user=request.user, course=course)
    lectures = [lecture for module in modules for lecture in module.outline_lectures]
    return render(
        request,
        "courses/detail.html",
        {
            "course": course,
            "modules": modules,
            "lecture_count": len(lectures),
            "preview_count": sum(1 for lecture in lectures if lecture.is_free_preview),
            "enrollment": enrollment,
            "is_completed": has_completed_all(
                enrollment=enrollment, lecture_ids=[lecture.pk for lecture in lectures]
            ),
            "reviews": paginator.get_page(request.GET.get("reviews_page")),
            "ratings": ratings,
        },
    )

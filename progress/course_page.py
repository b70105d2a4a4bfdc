"""The public course page, /courses/<slug>/ (URL name courses:detail).

It shows the course's content (from courses) with learner state (the visitor's enrollment,
the reviews), so it is composed here, above courses; the catalog and home stay in courses.
"""

from django.core.paginator import Paginator
from django.shortcuts import render

from courses import selectors as course_selectors
from courses.page_cache import cache_for_anonymous
from progress.selectors import active_enrollment, visible_reviews

REVIEWS_PAGE_SIZE = 10


@cache_for_anonymous
def course_detail(request, slug):
    course = course_selectors.public_course(slug=slug)
    modules = course_selectors.course_detail_outline(course=course)
    reviews = Paginator(visible_reviews(course=course), REVIEWS_PAGE_SIZE).get_page(
        request.GET.get("reviews_page")
    )
    return render(
        request,
        "courses/detail.html",
        {
            "course": course,
            "modules": modules,
            "lecture_count": sum(len(module.outline_lectures) for module in modules),
            "enrollment": active_enrollment(user=request.user, course=course),
            "reviews": reviews,
        },
    )

from django.core.paginator import Paginator
from django.shortcuts import render

from courses import selectors
from courses.forms import CatalogFilterForm
from courses.page_cache import cache_for_anonymous
from progress.selectors import active_enrollment, visible_reviews

CATALOG_PAGE_SIZE = 12
REVIEWS_PAGE_SIZE = 10


@cache_for_anonymous
def home(request):
    return render(
        request,
        "courses/home.html",
        {
            "featured": selectors.featured_courses(),
            "categories": selectors.categories_with_counts(),
        },
    )


@cache_for_anonymous
def catalog(request):
    form = CatalogFilterForm(request.GET)
    courses = selectors.course_catalog(**form.filters())
    # get_page turns a missing, malformed or out-of-range page into the first or last page.
    page = Paginator(courses, CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "courses/catalog.html", {"form": form, "page": page})


@cache_for_anonymous
def course_detail(request, slug):
    course = selectors.public_course(slug=slug)
    modules = selectors.course_detail_outline(course=course)
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

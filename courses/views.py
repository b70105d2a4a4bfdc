"""The catalog and the home page. The course page, which shows learner state, is
progress.course_page."""

from django.core.paginator import Paginator
from django.shortcuts import render

from courses import selectors
from courses.forms import CatalogFilterForm
from courses.page_cache import cache_for_anonymous

CATALOG_PAGE_SIZE = 12


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

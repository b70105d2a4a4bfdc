"""The catalog and the home page. The course page, which shows learner state, is
progress.course_page."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render

from core.numbers import parse_id
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


# Deeper pages are rarely visited: served fresh, they keep page=N from filing entries.
MAX_CACHED_CATALOG_PAGE = 20


def catalog_page_key(request) -> str | None:
    """The catalog page's cache key, from its validated filters; None: served fresh.

    Only a request made of clean filter values is cached, with each value as the form
    cleaned it: a repeated or unknown parameter, a value the form refused or changed, or a
    deep page is served from the database.
    """
    filters = CatalogFilterForm(request.GET).filters()
    canonical = {name: str(value) for name, value in filters.items() if value}
    page = request.GET.get("page", "")
    if page:
        number = parse_id(page)
        if number is None or str(number) != page:
            return None
        if not 1 <= number <= MAX_CACHED_CATALOG_PAGE:
            return None
        canonical["page"] = page
    if any(len(values) > 1 for _name, values in request.GET.lists()):
        return None
    if {name: value for name, value in request.GET.items() if value} != canonical:
        return None
    return urlencode(sorted(canonical.items()))


@cache_for_anonymous(key=catalog_page_key)
def catalog(request):
    form = CatalogFilterForm(request.GET)
    filters = form.filters()
    courses = selectors.course_catalog(**filters)
    # get_page turns a missing, malformed or out-of-range page into the first or last page.
    page = Paginator(courses, CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    # How many filters besides the search are set: their panel starts open on phones then.
    filters_active = sum(1 for name, value in filters.items() if name != "q" and value)
    return render(
        request,
        "courses/catalog.html",
        {"form": form, "page": page, "filters_active": filters_active},
    )

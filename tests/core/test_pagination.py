"""templates/includes/pagination.html: the previous and next links of a paginated list."""

import re

from django.core.paginator import Paginator
from django.template import Context, RequestContext, Template
from django.test import RequestFactory


def render(query: str, include_args: str, number: int = 2, pages: int = 3) -> str:
    page = Paginator(range(pages * 10), 10).get_page(number)
    request = RequestFactory().get(f"/list/{query}")
    template = Template(
        '{% include "includes/pagination.html" with page=page ' + include_args + " only %}"
    )
    return template.render(RequestContext(request, {"page": page}))


def links(html: str) -> dict:
    return {rel: href for href, rel in re.findall(r'<a href="([^"]*)" rel="(prev|next)">', html)}


def test_one_page_shows_nothing():
    assert render("", "", number=1, pages=1).strip() == ""


def test_the_defaults_link_to_page_alone():
    html = render("?q=x&page=2", "")

    assert links(html) == {"prev": "?page=1", "next": "?page=3"}
    assert '<nav class="pagination" aria-label="Pages">' in html
    assert ">Previous</a>" in html and ">Next</a>" in html
    assert '<span aria-current="page">Page 2 of 3</span>' in html


def test_the_first_and_last_pages_have_one_link():
    assert links(render("", "", number=1)) == {"next": "?page=2"}
    assert links(render("", "", number=3)) == {"prev": "?page=2"}


def test_keep_query_keeps_the_other_parameters_and_replaces_the_page_in_place():
    html = render("?q=a%20b&page=2&level=x", "keep_query=True")

    assert links(html) == {
        "prev": "?q=a+b&amp;page=1&amp;level=x",
        "next": "?q=a+b&amp;page=3&amp;level=x",
    }
    assert links(render("?q=zed", "keep_query=True", number=1)) == {"next": "?q=zed&amp;page=2"}


def test_a_named_parameter_a_fragment_and_labels():
    html = render(
        "?page=4",
        'label="Pages of reviews" previous_label="Newer" next_label="Older" '
        'param="reviews_page" keep_query=True fragment="reviews-title"',
    )

    assert links(html) == {
        "prev": "?page=4&amp;reviews_page=1#reviews-title",
        "next": "?page=4&amp;reviews_page=3#reviews-title",
    }
    assert 'aria-label="Pages of reviews"' in html
    assert ">Newer</a>" in html and ">Older</a>" in html


def test_labels_from_variables_are_escaped():
    page = Paginator(range(30), 10).get_page(2)
    template = Template('{% include "includes/pagination.html" with page=page label=label only %}')
    html = template.render(Context({"page": page, "label": '<b>"x"</b>'}))
    assert 'aria-label="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"' in html


def test_without_a_request_the_links_still_work():
    page = Paginator(range(30), 10).get_page(2)
    template = Template('{% include "includes/pagination.html" with page=page keep_query=True %}')
    assert links(template.render(Context({"page": page}))) == {"prev": "?page=1", "next": "?page=3"}

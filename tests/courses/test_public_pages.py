"""Who sees which public page, and what those pages must never show."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.views.defaults import server_error

from courses.models import Course
from tests.factories import CourseFactory

SECRETS = [
    "PREVIEW-BODY-TEXT",
    "PrevVid0001",
    "PAID-VIDEO-NOTES",
    "987654321",
    "PAID-BODY-TEXT",
    "PAID-ATTACHMENT",
    "youtube-nocookie",
    "player.vimeo.com",
]


@pytest.mark.parametrize("url", ["/", "/courses/", "/courses/secret-keeping-101/"])
def test_public_pages_open_for_every_visitor(any_client, course_with_secrets, url):
    response = any_client.get(url)
    assert response.status_code == 200
    assert "Secret Keeping 101" in response.content.decode()


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_unpublished_courses_are_404_for_everyone_on_public_pages(any_client, status):
    course = CourseFactory(title="Hidden Course", status=status, is_featured=True)
    if any_client.session.get("_auth_user_id"):
        # Even the course's own instructor sees drafts only in the instructor tools.
        course.instructors.add(any_client.session["_auth_user_id"])
    assert any_client.get(course.get_absolute_url()).status_code == 404
    for url in ["/", "/courses/", "/courses/?q=Hidden"]:
        assert "Hidden Course" not in any_client.get(url).content.decode()


def test_unknown_slug_gets_the_friendly_404(client, db):
    response = client.get("/courses/no-such-course/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_500_page_renders_without_a_request_context():
    html = render_to_string("500.html")
    assert "Something went wrong" in html
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/courses/", "/courses/secret-keeping-101/"])
def test_lecture_content_never_appears_on_public_pages(any_client, course_with_secrets, url):
    html = any_client.get(url).content.decode()
    for secret in SECRETS:
        assert secret not in html


def test_outline_shows_titles_and_links_only_the_free_preview(client, course_with_secrets):
    html = client.get(course_with_secrets.get_absolute_url()).content.decode()
    preview = course_with_secrets.modules.get().lectures.get(is_free_preview=True)
    assert f'href="/learn/{course_with_secrets.slug}/lectures/{preview.pk}/"' in html
    assert html.count("/lectures/") == 1
    assert "Free preview" in html
    for title in ["Opening module", "Preview lecture", "Paid video lecture", "Paid text lecture"]:
        assert title in html


def test_home_shows_published_featured_courses_and_category_counts(client, db):
    shown = CourseFactory(title="Featured One", is_featured=True)
    CourseFactory(title="Not Featured", category=shown.category)
    CourseFactory(title="Featured Draft", is_featured=True, status=Course.Status.DRAFT)
    html = client.get("/").content.decode()
    assert "Featured One" in html
    assert "Not Featured" not in html
    assert "Featured Draft" not in html
    assert f'href="/courses/?category={shown.category.slug}"' in html
    assert "2 courses" in html
    assert 'action="/courses/"' in html
    assert 'name="q"' in html

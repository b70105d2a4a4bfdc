"""The storefront's course page: the call to action for each visitor, what you'll learn,
requirements, instructors, previews, the promo video, the rating breakdown; the catalog's
filter panel; the new content fields; the demo thumbnails."""

import re
from io import BytesIO, StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from core.uploads import validate_image_upload
from courses.models import Course
from demo.thumbnails import course_thumbnail_add, thumbnail_png
from progress.selectors import rating_breakdown
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    LectureCompletionFactory,
    LectureFactory,
    ModuleFactory,
    ReviewFactory,
)


def page(client, course) -> str:
    return client.get(course.get_absolute_url()).content.decode()


def price_card(html: str) -> str:
    return re.search(r'<aside class="price-card".*?</aside>', html, re.S).group(0)


# --- The call to action, per visitor ---------------------------------------------------


@pytest.mark.parametrize(
    ("price", "label"), [("0", "Sign up to enroll"), ("29.00", "Sign up and buy")]
)
def test_anonymous_visitor_signs_up_and_comes_back(client, db, price, label):
    course = CourseFactory(price=price)
    card = price_card(page(client, course))
    signup = f"/accounts/signup/?next=/courses/{course.slug}/"
    assert f'<a class="button button-block" href="{signup}">{label}</a>' in card
    assert f'href="/accounts/login/?next=/courses/{course.slug}/">Log in</a>' in card
    assert "<form" not in card  # a cached public page carries no CSRF token
    assert "Continue learning" not in card


@pytest.mark.parametrize(
    ("price", "button"), [("0", "Enroll for free"), ("29.00", "Buy for 29.00 USD")]
)
def test_logged_in_visitor_enrolls_or_buys_through_the_form(client, student, price, button):
    course = CourseFactory(price=price)
    client.force_login(student)
    card = price_card(page(client, course))
    assert f'<form method="post" action="/courses/{course.slug}/enroll/">' in card
    assert "csrfmiddlewaretoken" in card
    assert f'<button type="submit" class="button button-block">{button}</button>' in card
    assert "Sign up" not in card


def test_enrolled_student_continues_where_they_left_off(client, student):
    course = CourseFactory(price="29.00")
    EnrollmentFactory(student=student, course=course)
    client.force_login(student)
    card = price_card(page(client, course))
    assert f'href="/learn/{course.slug}/">Continue learning</a>' in card
    assert "Buy for" not in card
    assert "Completed" not in card


def test_finished_student_sees_completed_and_is_asked_for_a_review(client, student):
    course = CourseFactory()
    lecture = LectureFactory(module=ModuleFactory(course=course))
    enrollment = EnrollmentFactory(student=student, course=course, completed_at=timezone.now())
    LectureCompletionFactory(enrollment=enrollment, lecture=lecture)
    client.force_login(student)
    html = page(client, course)
    card = price_card(html)
    assert "Completed" in card
    assert '<a class="button button-block" href="#review">Review the course</a>' in card
    assert "Continue learning" not in card
    assert '<div id="review">' in html and "Rate this course" in html


def test_a_revoked_enrollment_is_offered_the_purchase_again(client, student):
    course = CourseFactory(price="29.00")
    EnrollmentFactory(student=student, course=course, status="revoked", revoked_at=timezone.now())
    client.force_login(student)
    card = price_card(page(client, course))
    assert "Buy for 29.00 USD" in card
    assert "Continue learning" not in card


# --- Content sections ------------------------------------------------------------------


def test_learning_outcomes_and_requirements_are_lists_of_non_empty_lines(client, db):
    course = CourseFactory(
        what_you_will_learn="  Read a balance sheet \n\n Plan a budget\n   \n",
        requirements="A calculator\r\nCuriosity",
    )
    assert course.learning_outcomes == ["Read a balance sheet", "Plan a budget"]
    assert course.requirement_items == ["A calculator", "Curiosity"]
    html = page(client, course)
    assert "What you’ll learn" in html
    assert re.search(
        r'<ul class="checklist">\s*<li>Read a balance sheet</li><li>Plan a budget</li>', html
    )
    assert re.search(r'<ul class="requirements">\s*<li>A calculator</li><li>Curiosity</li>', html)


def test_empty_sections_are_left_out(client, db):
    html = page(client, CourseFactory())
    assert "What you’ll learn" not in html
    assert "Requirements" not in html


def test_outcomes_are_escaped(client, db):
    html = page(client, CourseFactory(what_you_will_learn="<script>alert(1)</script>"))
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_instructors_show_their_bio_and_photo_or_initial(client, db):
    with_bio = InstructorFactory(name="Grace Hopper", bio="Wrote the first compiler.\nAdmiral.")
    with_photo = InstructorFactory(name="Ada Lovelace", avatar="avatars/ada.png")
    course = CourseFactory(instructors=[with_bio, with_photo])
    html = page(client, course)
    section = re.search(
        r'<section class="course-section" id="instructors".*?</section>', html, re.S
    )
    section = section.group(0)
    assert "Your instructors" in section
    assert "Wrote the first compiler.<br>Admiral." in section
    assert 'src="/media/avatars/ada.png"' in section
    assert (
        '<span class="instructor-photo instructor-initial" aria-hidden="true">G</span>' in section
    )


def test_free_previews_are_offered_to_visitors_not_to_enrolled_students(client, student):
    course = CourseFactory()
    module = ModuleFactory(course=course)
    preview = LectureFactory(module=module, title="Try me", is_free_preview=True)
    LectureFactory(module=module, title="Paid part")
    link = f'<a href="/learn/{course.slug}/lectures/{preview.pk}/">Try me</a>'

    html = page(client, course)
    assert link in html
    assert "Free preview" in html
    assert "1 free preview" in price_card(html)

    EnrollmentFactory(student=student, course=course)
    client.force_login(student)
    html = page(client, course)
    assert "Try me" in html
    assert link not in html
    assert "Free preview" not in html


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
    ],
)
def test_promo_video_is_embedded_for_allowed_providers(client, db, url, embed):
    course = CourseFactory(intro_video_url=url)
    html = page(client, course)
    assert f'<iframe class="video-embed" src="{embed}"' in html
    assert url not in html


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)",
        "https://www.youtube.com/watch?v=short",
    ],
)
def test_other_promo_links_are_never_embedded(client, db, url):
    # The admin form refuses them; a row written another way still shows the thumbnail.
    course = CourseFactory(intro_video_url=url)
    html = page(client, course)
    assert "<iframe" not in html
    assert "evil.example.com" not in html
    assert "/static/img/covers/cover-" in html


# --- Rating breakdown ------------------------------------------------------------------


def test_rating_breakdown_counts_visible_reviews_by_stars(db):
    course = CourseFactory()
    for rating in [5, 5, 5, 4, 2]:
        ReviewFactory(course=course, rating=rating)
    ReviewFactory(course=course, rating=1, is_visible=False)
    ReviewFactory(rating=3)  # another course's
    breakdown = rating_breakdown(course=course)
    assert breakdown.total == 5
    assert [(bar.stars, bar.count, bar.percent) for bar in breakdown.bars] == [
        (5, 3, 60),
        (4, 1, 20),
        (3, 0, 0),
        (2, 1, 20),
        (1, 0, 0),
    ]
    assert breakdown.average == pytest.approx(4.2)


def test_rating_breakdown_of_a_course_without_reviews(db):
    breakdown = rating_breakdown(course=CourseFactory())
    assert breakdown.total == 0
    assert breakdown.average == 0
    assert [bar.count for bar in breakdown.bars] == [0, 0, 0, 0, 0]


def test_rating_breakdown_is_one_query(db, django_assert_num_queries):
    course = CourseFactory()
    for rating in [1, 2, 3, 4, 5]:
        ReviewFactory(course=course, rating=rating)
    with django_assert_num_queries(1):
        rating_breakdown(course=course)


def test_course_page_shows_the_breakdown_above_the_reviews(client, db):
    course = CourseFactory()
    for rating in [5, 5, 4]:
        ReviewFactory(course=course, rating=rating, text=f"Rated {rating}")
    ReviewFactory(course=course, rating=1, is_visible=False)
    html = page(client, course)
    assert '<meter class="rating-bar" min="0" max="3" value="2" aria-hidden="true">' in html
    assert '<meter class="rating-bar" min="0" max="3" value="0" aria-hidden="true">' in html
    assert html.index('class="rating-summary"') < html.index("Rated 5")
    assert '<p class="rating-average-number">4.7</p>' in html
    assert "(3 ratings)" in html


def test_reviews_paginate_with_the_breakdown_total(client, db):
    course = CourseFactory()
    for _ in range(11):
        ReviewFactory(course=course)
    ReviewFactory(course=course, is_visible=False)
    html = client.get(course.get_absolute_url(), {"reviews_page": "2"}).content.decode()
    assert "Page 2 of 2" in html
    assert html.count('<article class="review">') == 1


# --- Caching and the query budget --------------------------------------------------------


def test_anonymous_course_page_is_still_cached_whole(client, db, django_assert_num_queries):
    course = CourseFactory(what_you_will_learn="One thing")
    ReviewFactory(course=course, rating=4)
    first = client.get(course.get_absolute_url())
    with django_assert_num_queries(0):
        second = client.get(course.get_absolute_url())
    assert second.content == first.content
    assert b"rating-summary" in second.content


def test_logged_in_pages_are_not_cached(client, student):
    course = CourseFactory()
    client.force_login(student)
    assert b"Enroll for free" in client.get(course.get_absolute_url()).content
    EnrollmentFactory(student=student, course=course)
    assert b"Continue learning" in client.get(course.get_absolute_url()).content


# --- Catalog ---------------------------------------------------------------------------


def test_catalog_filter_panel_opens_only_when_filters_are_set(client, db):
    CourseFactory(level="beginner")
    closed = client.get("/courses/", {"q": "course"}).content.decode()
    assert '<details class="filters-panel">' in closed
    opened = client.get("/courses/", {"level": "beginner", "price": "free"}).content.decode()
    assert '<details class="filters-panel" open>' in opened
    assert '<span class="pill pill-info">2</span>' in opened


def test_cards_are_whole_links_with_the_category_and_free_badge(client, db):
    course = CourseFactory(title="Budgeting", price="0")
    html = client.get("/courses/").content.decode()
    card = re.search(r'<article class="card card-link course-card">.*?</article>', html, re.S)
    card = card.group(0)
    assert course.category.name in card
    assert '<span class="pill pill-ok">Free</span>' in card
    assert card.count("<a ") == 1  # one link (the title's), stretched over the card


def test_course_with_a_thumbnail_shows_it(client, db):
    course = CourseFactory(thumbnail="thumbnails/budget.png")
    assert 'src="/media/thumbnails/budget.png"' in client.get("/courses/").content.decode()
    assert 'src="/media/thumbnails/budget.png"' in page(client, course)


# --- New content fields ----------------------------------------------------------------


def test_bio_is_limited_to_2000_characters(db):
    instructor = InstructorFactory(bio="x" * 2001)
    with pytest.raises(ValidationError) as error:
        instructor.full_clean()
    assert "bio" in error.value.message_dict


def test_admin_edits_outcomes_requirements_and_bio(admin_client, db):
    course = CourseFactory()
    html = admin_client.get(f"/admin/courses/course/{course.pk}/change/").content.decode()
    assert 'name="what_you_will_learn"' in html
    assert 'name="requirements"' in html
    user = InstructorFactory()
    html = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert 'name="bio"' in html


# --- Demo thumbnails -------------------------------------------------------------------


def test_generated_thumbnail_is_a_png_the_upload_rules_accept(db):
    data = thumbnail_png(title="A rather long course title that wraps", category="Data", accent=3)
    with Image.open(BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.size == (640, 360)
    validate_image_upload(ContentFile(data, name="cover.png"))


def test_thumbnails_differ_by_course(db):
    first = thumbnail_png(title="Python", category="Programming", accent=1)
    second = thumbnail_png(title="SQL", category="Data", accent=3)
    assert first != second


def test_a_thumbnail_is_added_only_where_none_is(db):
    bare = CourseFactory()
    kept = CourseFactory(thumbnail="thumbnails/uploaded.png")
    assert course_thumbnail_add(bare) is True
    assert course_thumbnail_add(kept) is False
    bare.refresh_from_db()
    kept.refresh_from_db()
    assert bare.thumbnail.name.startswith("thumbnails/") and bare.thumbnail.name.endswith(".png")
    assert kept.thumbnail.name == "thumbnails/uploaded.png"


def test_seed_demo_gives_every_demo_course_a_distinct_thumbnail_and_keeps_uploads(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    courses = list(Course.objects.all())
    assert courses and all(course.thumbnail for course in courses)
    contents = {course.thumbnail.read() for course in courses}
    assert len(contents) == len(courses)

    changed = courses[0]
    Course.objects.filter(pk=changed.pk).update(thumbnail="thumbnails/by-an-admin.png")
    call_command("seed_demo", stdout=StringIO())
    changed.refresh_from_db()
    assert changed.thumbnail.name == "thumbnails/by-an-admin.png"

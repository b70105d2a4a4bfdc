"""The storefront in Chromium on a laptop (1366×900) and a phone (390×844): nothing wider
than the phone, the price card in view, the filters folded on phones and still usable, and
a catalog of twelve courses that stays short on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import (
    CategoryFactory,
    CourseFactory,
    InstructorFactory,
    LectureFactory,
    ModuleFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Twelve compact cards, the header, the filters and the footer: about 2,200 px.
PHONE_CATALOG_MAX_HEIGHT = 3000


@pytest.fixture
def storefront(transactional_db):
    categories = [CategoryFactory(name=name) for name in ["Programming", "Data", "Design"]]
    teacher = InstructorFactory(name="Grace Hopper", bio="Wrote the first compiler.")
    for i in range(11):
        CourseFactory(
            title=f"Course number {i} with a fairly long title to wrap",
            category=categories[i % 3],
            price="0" if i % 2 else "19.00",
            duration_minutes=60 + i,
            instructors=[teacher],
        )
    course = CourseFactory(
        title="Data Pipelines in Practice",
        subtitle="From raw files to dashboards",
        category=categories[1],
        price="49.00",
        what_you_will_learn="Load data\nClean it\nSchedule jobs\nShip dashboards",
        requirements="Some Python",
        instructors=[teacher],
        description="A long description.\n\n" + "Many paragraphs of text. " * 80,
    )
    for m in range(4):
        module = ModuleFactory(course=course, order=m, title=f"Module {m}")
        for n in range(5):
            LectureFactory(module=module, order=n, is_free_preview=(m == n == 0))
    for rating in [5, 5, 4, 3, 5]:
        ReviewFactory(course=course, rating=rating)
    return course


def no_wider_than_viewport(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_course_page_keeps_the_price_card_in_view(page, storefront):
    page.set_viewport_size(DESKTOP)
    page.goto(storefront.get_absolute_url())
    card = page.locator(".price-card")
    expect(card.get_by_role("link", name="Sign up and buy")).to_be_visible()
    expect(card.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("heading", name="What you’ll learn")).to_be_visible()
    expect(page.locator(".rating-bars li")).to_have_count(5)
    # Beside the content, and still there after scrolling far down.
    assert card.bounding_box()["x"] > DESKTOP["width"] / 2
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight * 0.6)")
    page.wait_for_timeout(100)
    box = card.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= DESKTOP["height"]
    no_wider_than_viewport(page)

    page.set_viewport_size(PHONE)
    page.goto(storefront.get_absolute_url())
    no_wider_than_viewport(page)
    # A bar at the bottom of the screen, whatever the scroll position.
    for position in ["0", "document.documentElement.scrollHeight / 2"]:
        page.evaluate(f"window.scrollTo(0, {position})")
        page.wait_for_timeout(100)
        box = card.bounding_box()
        assert abs(box["y"] + box["height"] - PHONE["height"]) <= 1
        assert box["width"] == PHONE["width"]
        assert box["height"] < 120
        expect(card.get_by_role("link", name="Sign up and buy")).to_be_in_viewport()
    # The bar never hides the end of the page.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(100)
    last_review = page.locator(".review").last
    assert (
        last_review.bounding_box()["y"] + last_review.bounding_box()["height"]
        <= (card.bounding_box()["y"])
    )
    assert page.console_errors == []


def test_catalog_filters_fold_on_phones_and_still_work(page, storefront):
    page.set_viewport_size(DESKTOP)
    page.goto("/courses/")
    level = page.get_by_label("Level")
    expect(level).to_be_visible()  # no toggle on a wide screen
    expect(page.locator(".filters-panel > summary")).to_be_hidden()
    # Every control of the filter row on one line, its bottom edge aligned.
    bottoms = {
        round(box["y"] + box["height"])
        for box in (
            page.locator(selector).bounding_box()
            for selector in ["#id_q", "#id_category", "#id_level", "#id_price", "#id_sort"]
        )
    }
    assert len(bottoms) == 1, bottoms
    no_wider_than_viewport(page)

    page.set_viewport_size(PHONE)
    page.goto("/courses/")
    no_wider_than_viewport(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= PHONE_CATALOG_MAX_HEIGHT, f"catalog is {height}px tall on a phone"
    expect(page.get_by_label("Search")).to_be_visible()
    expect(level).to_be_hidden()
    page.locator(".filters-panel > summary").click()
    expect(level).to_be_visible()
    level.select_option("beginner")
    page.get_by_label("Price").select_option("free")
    page.get_by_role("button", name="Show courses").click()
    expect(page).to_have_url(re.compile(r"level=beginner"))
    # Filters in use: the panel starts open, so the visitor sees what is set.
    expect(page.get_by_label("Level")).to_have_value("beginner")
    expect(page.get_by_label("Level")).to_be_visible()
    no_wider_than_viewport(page)

    # A card is one link: a tap anywhere on it opens the course.
    page.goto("/courses/")
    card = page.locator(".course-card", has_text="Data Pipelines in Practice")
    box = card.bounding_box()
    page.mouse.click(box["x"] + 10, box["y"] + box["height"] - 10)
    expect(page).to_have_url(re.compile(r"/courses/data-pipelines-in-practice/$"))
    assert page.console_errors == []


def test_home_has_no_sideways_scroll(page, storefront):
    for size in [DESKTOP, PHONE]:
        page.set_viewport_size(size)
        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("searchbox", name="Search courses")).to_be_visible()
        expect(page.locator(".category-tile")).to_have_count(3)
        no_wider_than_viewport(page)

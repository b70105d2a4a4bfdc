"""The classroom's layout in Chromium, on a laptop and on a phone: what a student sees."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from courses.models import Lecture
from progress.models import LectureCompletion
from tests.browser import log_in_with_session
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LectureFactory,
    ModuleFactory,
    StudentFactory,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])

BODY = """## {title}

In this lecture you will learn what a long, realistic lesson looks like on every screen.

| Topic | Remember |
|---|---|
| Layout | The lesson first, the outline a tap away, nothing wider than the screen. |

```text
a_rather_long_line_of_code_that_would_push_the_page_wider_than_a_phone_if_it_could = 1
```

Some closing words.
"""

# Every element shown that sticks out to the right of the viewport, outside scrolling boxes
# (the content of a closed <details> menu is not shown).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    const shown = el.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true });
    if (shown && box.width && box.right > width + 1 && !scrolls(el)) {
      found.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(box.right)}px`);
    }
  }
  if (document.documentElement.scrollWidth > width) found.push("document");
  return found;
}"""


@pytest.fixture
def classroom():
    """Three modules of three lectures (the first a free preview), a student enrolled."""
    course = CourseFactory()
    for m in range(3):
        module = ModuleFactory(course=course, order=m, title=f"Module {m + 1}")
        for i in range(3):
            title = f"Lecture {m + 1}.{i + 1}"
            LectureFactory(
                module=module,
                order=i,
                title=title,
                body=BODY.format(title=title),
                is_free_preview=m == 0 and i == 0,
            )
    lectures = list(
        Lecture.objects.filter(module__course=course).order_by("module__order", "order")
    )
    student = StudentFactory()
    enrollment = EnrollmentFactory(student=student, course=course)
    return course, lectures, student, enrollment


def _open(page, live_daphne, student, url, size):
    page.set_viewport_size(size)
    log_in_with_session(page, live_daphne, student)
    page.goto(url)
    # Sent elsewhere (seen once in CI: the course page), the failure says what the page said.
    assert page.url.endswith(url), (page.url, page.locator("body").inner_text()[:600])


def _player(course, lecture):
    return f"/learn/{course.slug}/lectures/{lecture.pk}/"


def _box(locator):
    box = locator.bounding_box()
    assert box is not None, locator
    return box


@SIZES
def test_player_layout(page, live_daphne, classroom, size):
    course, lectures, student, enrollment = classroom
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    _open(page, live_daphne, student, _player(course, lectures[1]), size)

    # One title; no Preview label for an enrolled student.
    expect(page.locator("h1")).to_have_count(1)
    expect(page.get_by_role("heading", name="Lecture 1.2")).to_have_count(1)
    expect(page.locator("#course-outline .pill")).to_have_count(0)

    # No blank gap above the outline: the first module's heading follows the progress bar,
    # and nothing in between (the lock icons' sprite) takes room.
    progress = _box(page.locator("#course-progress"))
    first_module = _box(page.locator("#course-outline h3").first)
    assert first_module["y"] - (progress["y"] + progress["height"]) < 40
    sprite = page.locator("#course-outline svg.icon-sprite").bounding_box()
    assert sprite is None or sprite["height"] == 0

    # The progress bar spans its column, with the figures in text.
    bar = _box(page.locator("#course-progress-bar"))
    assert bar["width"] >= progress["width"] - 1
    assert bar["width"] > (250 if size is DESKTOP else 300)
    expect(page.locator("#course-progress")).to_contain_text("11% complete")
    expect(page.locator("#course-progress")).to_contain_text("1 of 9 lectures")

    lesson = _box(page.locator("[data-lecture-body]"))
    outline = _box(page.locator("#outline"))
    if size is PHONE:
        # The lesson comes first, starting on the first screen; the outline is one tap away.
        assert lesson["y"] < size["height"] / 2
        assert lesson["y"] + lesson["height"] <= outline["y"]
        jump = page.get_by_role("link", name="Course content")
        expect(jump).to_be_in_viewport()
        jump.click()
        expect(page.locator("#course-outline")).to_be_in_viewport()
        assert page.evaluate(OVERFLOWING) == []
    else:
        # Side by side: the outline on the right, in view at the top of the page.
        assert outline["x"] > lesson["x"] + lesson["width"]
        assert outline["y"] < size["height"]
        expect(page.get_by_role("link", name="Course content")).to_be_hidden()
    assert page.console_errors == []


@SIZES
def test_focus_stays_on_the_next_useful_control_after_mark_as_complete(
    page, live_daphne, classroom, size
):
    course, lectures, student, enrollment = classroom
    # Every lecture between the first and the last is done before the server reads any: it
    # keeps the learner's progress in its own memory, which this process's writes cannot
    # reach without Redis.
    LectureCompletion.objects.bulk_create(
        LectureCompletion(enrollment=enrollment, lecture=lecture) for lecture in lectures[1:-1]
    )
    _open(page, live_daphne, student, _player(course, lectures[0]), size)

    page.get_by_role("button", name="Mark as complete").focus()
    page.keyboard.press("Enter")

    next_link = page.get_by_role("link", name="Next: Lecture 1.2")
    expect(next_link).to_be_focused()
    assert page.evaluate("document.activeElement.getAttribute('rel')") == "next"
    expect(next_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Lecture 1.2")

    # The last lecture: focus moves to the course-complete panel.
    page.goto(_player(course, lectures[-1]))
    page.get_by_role("button", name="Mark as complete").focus()
    page.keyboard.press("Enter")
    panel = page.locator("#course-complete")
    expect(panel).to_be_focused()
    expect(panel).to_contain_text("Course complete")
    expect(panel).to_be_in_viewport()
    assert page.evaluate("document.activeElement.id") == "course-complete"
    if size is PHONE:
        assert page.evaluate(OVERFLOWING) == []
    assert page.console_errors == []


@SIZES
def test_a_video_that_cannot_play_shows_an_error_with_a_way_on(page, live_daphne, classroom, size):
    course, lectures, student, _enrollment = classroom
    lecture = lectures[0]
    lecture.kind = Lecture.Kind.VIDEO
    lecture.video_file.save("broken.mp4", ContentFile(b"this is not a video" * 100), save=False)
    lecture.save()
    _open(page, live_daphne, student, _player(course, lecture), size)

    error = page.locator("[data-video-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("The video could not be loaded.")
    expect(error.get_by_role("link", name="Try again")).to_be_visible()
    expect(error.get_by_role("link", name="Download the video")).to_be_visible()
    if size is PHONE:
        assert page.evaluate(OVERFLOWING) == []


@SIZES
def test_my_learning_and_the_review_form_at_every_size(page, live_daphne, classroom, size):
    course, lectures, student, enrollment = classroom
    LectureCompletion.objects.bulk_create(
        LectureCompletion(enrollment=enrollment, lecture=lecture) for lecture in lectures[:-1]
    )
    _open(page, live_daphne, student, _player(course, lectures[-1]), size)
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.locator("#course-complete")).to_be_visible()

    # Stars: none chosen; arrow keys move between them as between any radio buttons.
    rating = page.get_by_role("group", name="Rating")
    radios = rating.get_by_role("radio")
    expect(radios).to_have_count(5)
    for n in range(5):
        expect(radios.nth(n)).not_to_be_checked()
    rating.get_by_role("radio", name="3 stars").check()
    page.keyboard.press("ArrowRight")
    expect(rating.get_by_role("radio", name="4 stars")).to_be_checked()
    star_colour = "getComputedStyle(document.querySelector('label[for=id_rating_{}]')).color"
    assert page.evaluate(star_colour.format(3)) == page.evaluate(star_colour.format(0))
    assert page.evaluate(star_colour.format(3)) != page.evaluate(star_colour.format(4))
    if size is PHONE:
        assert page.evaluate(OVERFLOWING) == []

    page.goto("/learn/")
    card = page.locator(f"[data-course='{course.slug}']")
    expect(card).to_contain_text("✓ Completed")
    expect(card.locator("time")).to_be_visible()
    expect(card.get_by_role("link", name="Continue")).to_have_count(0)
    if size is PHONE:
        assert page.evaluate(OVERFLOWING) == []
    assert page.console_errors == []

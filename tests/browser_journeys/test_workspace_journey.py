"""An instructor arranges a course in the workspace: drag and drop, keyboard moves (with and
without JavaScript), and the page on a phone."""

import os

import pytest
from playwright.sync_api import expect

from courses.models import Lecture
from tests.browser import log_in_with_session
from tests.factories import LectureFactory, ModuleFactory, course_with_lectures

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("WORKSPACE_SCREENSHOTS")  # a folder, to look at the pages

# Elements whose right edge lies past the viewport (the page must not scroll sideways).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.checkVisibility && !el.checkVisibility()) continue;  // e.g. in a closed <details>
    // A wide table scrolls inside its .table-wrap (checked itself), not the page.
    if (el.parentElement && el.parentElement.closest(".table-wrap")) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || el.closest(".visually-hidden, .skip-link")) continue;
    if (box.right > width + 1 || box.left < -1) {
      wide.push(`${el.tagName}.${el.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return {wide: wide.slice(0, 5), scroll: document.documentElement.scrollWidth - width};
}"""


@pytest.fixture
def course(transactional_db, instructor):
    course = course_with_lectures(
        modules=2, lectures_per_module=3, title="Workspace course", instructors=[instructor]
    )
    first = course.modules.get(order=0)
    first.title = "Foundations of a rather long module title that has to wrap on a phone"
    first.save()
    return course


def titles(module):
    return list(module.lectures.order_by("order").values_list("title", flat=True))


def shown_titles(page, module):
    return page.locator(f"#module-{module.pk} .ws-lecture .ws-title").all_inner_texts()


def drag(page, source, target):
    """Drag with the mouse, in steps, as a person would (SortableJS listens to the moves)."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=15)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] - 3, steps=6)
    page.wait_for_timeout(100)  # SortableJS places the row on the moves, before the drop
    page.mouse.up()


def test_drag_a_lecture_and_the_order_is_kept_after_reload(page, live_daphne, course, instructor):
    module = course.modules.get(order=0)
    first, second, third = titles(module)
    log_in_with_session(page, live_daphne, instructor)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/teach/{course.slug}/")
    first_row = page.locator(f"#lecture-{module.lectures.get(order=0).pk}")
    third_row = page.locator(f"#lecture-{module.lectures.get(order=2).pk}")
    expect(first_row.locator("[data-handle]")).to_be_visible()  # shown by sortable_lists.js

    with page.expect_response(lambda r: "/lectures/reorder/" in r.url) as reordered:
        drag(page, first_row.locator("[data-handle]"), third_row)
    assert reordered.value.status == 200

    expect(page.locator(f"#module-{module.pk} .ws-lecture .ws-title")).to_have_text(
        [second, third, first]
    )
    # The focus is on the moved row's move button (its "Move down" is disabled now).
    expect(page.get_by_role("button", name=f"Move up {first}")).to_be_focused()
    assert titles(module) == [second, third, first]
    page.reload()
    assert shown_titles(page, module) == [second, third, first]
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/workspace-desktop.png", full_page=True)
    assert page.console_errors == []


def test_drag_a_lecture_into_the_other_module(page, live_daphne, course, instructor):
    source, target = course.modules.order_by("order")
    moved = source.lectures.get(order=1)
    log_in_with_session(page, live_daphne, instructor)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/teach/{course.slug}/")

    with page.expect_response(lambda r: "/lectures/reorder/" in r.url) as reordered:
        drag(
            page,
            page.locator(f"#lecture-{moved.pk} [data-handle]"),
            page.locator(f"#lecture-{target.lectures.get(order=0).pk}"),
        )
    assert reordered.value.status == 200

    expect(page.locator(f"#module-{target.pk} #lecture-{moved.pk}")).to_be_visible()
    assert Lecture.objects.get(pk=moved.pk).module_id == target.pk
    assert sorted(source.lectures.values_list("order", flat=True)) == [0, 1]
    assert sorted(target.lectures.values_list("order", flat=True)) == [0, 1, 2, 3]


def test_keyboard_move_down_keeps_the_focus(page, live_daphne, course, instructor):
    module = course.modules.get(order=0)
    first, second, third = titles(module)
    log_in_with_session(page, live_daphne, instructor)
    page.goto(f"/teach/{course.slug}/")

    button = page.get_by_role("button", name=f"Move down {first}")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#module-{module.pk} .ws-lecture .ws-title")).to_have_text(
        [second, first, third]
    )
    expect(page.get_by_role("button", name=f"Move down {first}")).to_be_focused()
    page.keyboard.press("Enter")  # again, from where the focus is
    expect(page.locator(f"#module-{module.pk} .ws-lecture .ws-title")).to_have_text(
        [second, third, first]
    )
    # Last now: its "Move down" is disabled, so the focus moves to its "Move up".
    expect(page.get_by_role("button", name=f"Move up {first}")).to_be_focused()
    assert titles(module) == [second, third, first]


def test_without_javascript_move_lands_on_the_moved_rows_button(
    browser, live_daphne, course, instructor
):
    context = browser.new_context(base_url=live_daphne, java_script_enabled=False)
    page = context.new_page()
    try:
        module = course.modules.get(order=0)
        first, second, third = titles(module)
        log_in_with_session(page, live_daphne, instructor)
        page.goto(f"/teach/{course.slug}/")
        expect(page.locator("[data-handle]").first).to_be_hidden()

        page.get_by_role("button", name=f"Move down {first}").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/teach/{course.slug}/?focus=*")

        assert titles(module) == [second, first, third]
        expect(page.get_by_role("button", name=f"Move down {first}")).to_be_focused()
    finally:
        context.close()


def test_the_workspace_fits_a_phone(page, live_daphne, course, instructor):
    draft_module = ModuleFactory(course=course, order=2, is_published=False, title="Extras")
    LectureFactory(
        module=draft_module,
        order=0,
        is_published=False,
        is_free_preview=True,
        title="A lecture with an unusually long title to see how it wraps",
    )
    log_in_with_session(page, live_daphne, instructor)
    page.set_viewport_size({"width": 390, "height": 844})

    for path in (
        f"/teach/{course.slug}/",
        "/teach/",
        f"/teach/{course.slug}/details/",
        f"/teach/{course.slug}/modules/{draft_module.pk}/lectures/new/",
    ):
        page.goto(path)
        found = page.evaluate(OVERFLOWING)
        assert found == {"wide": [], "scroll": 0}, (path, found)
        if SCREENSHOTS:
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=f"{SCREENSHOTS}/phone-{name}.png", full_page=True)

    page.goto(f"/teach/{course.slug}/")
    page.locator("summary", has_text="More actions for Extras").click()
    menu = page.locator(f"#module-{draft_module.pk} .ws-module-row .dropdown-panel")
    expect(menu).to_be_visible()
    assert page.evaluate(OVERFLOWING)["wide"] == []
    assert page.console_errors == []

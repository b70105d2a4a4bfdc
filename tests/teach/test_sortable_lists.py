"""The drag-and-drop code the workspace and the quiz editor share (static/js/sortable_lists.js):
loaded before each page's own script, and, in Chromium, a drop the server refuses shows the
page's message and brings the saved order back."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessment.models import Quiz
from courses.models import Lecture
from tests.assessment.conftest import single
from tests.browser import log_in_with_session
from tests.factories import CourseFactory, LectureFactory, ModuleFactory, course_with_lectures

REFUSED = "The new order could not be saved. The page shows the saved order again."


def drag(page, source, target):
    """Drag with the mouse, in steps, as a person would (SortableJS listens to the moves)."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=15)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] - 3, steps=6)
    page.wait_for_timeout(100)
    page.mouse.up()


def quiz_with_questions(instructor, *texts):
    module = ModuleFactory(course=CourseFactory(instructors=[instructor]))
    lecture = LectureFactory(module=module, title="Check", kind=Lecture.Kind.QUIZ, body="")
    quiz = Quiz.objects.create(lecture=lecture)
    for order, text in enumerate(texts):
        single(quiz, text, order=order)
    return quiz


def quiz_editor_url(quiz):
    lecture = quiz.lecture
    return reverse("teach:quiz_edit", args=[lecture.module.course.slug, lecture.pk])


@pytest.mark.django_db
def test_both_pages_load_the_shared_script_before_their_own(teacher, instructor, course):
    workspace = teacher.get(reverse("teach:workspace", args=[course.slug])).content.decode()
    editor = teacher.get(quiz_editor_url(quiz_with_questions(instructor, "A", "B")))
    editor = editor.content.decode()

    # Deferred scripts run in document order: SortableJS, the shared code, then the page's.
    for html, own in ((workspace, "js/workspace.js"), (editor, "js/quiz_editor.js")):
        assert (
            html.index("sortablejs/Sortable-1.15.7.min.js")
            < html.index("js/sortable_lists.js")
            < html.index(own)
        )


@pytest.mark.browser
def test_a_refused_question_order_shows_the_message_and_the_saved_order(
    page, live_daphne, transactional_db, instructor
):
    quiz = quiz_with_questions(instructor, "A", "B", "C")
    log_in_with_session(page, live_daphne, instructor)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(quiz_editor_url(quiz))
    first, _second, third = quiz.questions.order_by("order")
    handle = page.locator(f"#question-{third.pk} [data-handle]")
    expect(handle).to_be_visible()
    # Another tab adds a question: the order the page sends no longer matches.
    added = single(quiz, "D", order=3)

    with page.expect_response(lambda r: "/questions/reorder/" in r.url) as reordered:
        drag(page, handle, page.locator(f"#question-{first.pk}"))
    assert reordered.value.status == 400

    expect(page.get_by_role("alert").filter(has_text=REFUSED)).to_be_visible()
    rows = page.locator(".qz-question .ws-title")
    expect(rows).to_have_text(["Question 1: A", "Question 2: B", "Question 3: C", "Question 4: D"])
    # The restored list can be dragged again.
    expect(page.locator(f"#question-{added.pk} [data-handle]")).to_be_visible()
    assert list(quiz.questions.order_by("order").values_list("text", flat=True)) == [
        "A",
        "B",
        "C",
        "D",
    ]


@pytest.mark.browser
def test_a_refused_lecture_order_shows_the_message_and_the_saved_order(
    page, live_daphne, transactional_db, instructor
):
    course = course_with_lectures(modules=1, lectures_per_module=3, instructors=[instructor])
    module = course.modules.get()
    lectures = list(module.lectures.order_by("order"))
    log_in_with_session(page, live_daphne, instructor)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(reverse("teach:workspace", args=[course.slug]))
    handle = page.locator(f"#lecture-{lectures[0].pk} [data-handle]")
    expect(handle).to_be_visible()
    added = LectureFactory(module=module, order=3, title="Added elsewhere")

    with page.expect_response(lambda r: "/lectures/reorder/" in r.url) as reordered:
        drag(page, handle, page.locator(f"#lecture-{lectures[2].pk}"))
    assert reordered.value.status == 400

    expect(page.get_by_role("alert").filter(has_text=REFUSED)).to_be_visible()
    expect(page.locator(".ws-lecture .ws-title")).to_have_text(
        [lecture.title for lecture in lectures] + [added.title]
    )
    expect(page.locator(f"#lecture-{added.pk} [data-handle]")).to_be_visible()

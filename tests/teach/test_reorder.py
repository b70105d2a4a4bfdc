"""Drag-and-drop reordering (the reorder endpoints) and the focus kept after a move."""

import re

import pytest
from django.urls import reverse

from courses.models import Course, Lecture, Module
from notifications.models import Notification
from teaching import services
from tests.factories import EnrollmentFactory, LectureFactory, ModuleFactory, course_with_lectures
from tests.teach.helpers import orders


def module_ids(course):
    return list(course.modules.order_by("order").values_list("pk", flat=True))


def lecture_ids(module):
    return list(module.lectures.order_by("order").values_list("pk", flat=True))


def reorder_modules(client, course, ids, **extra):
    return client.post(
        reverse("teach:module_reorder", args=[course.slug]), {"module": ids}, **extra
    )


def reorder_lectures(client, course, module, ids, **extra):
    return client.post(
        reverse("teach:lecture_reorder", args=[course.slug, module.pk]), {"lecture": ids}, **extra
    )


def layout(course):
    """Every module's lectures, by module, with their orders: what a reorder may change."""
    return [
        (m.pk, m.order, list(m.lectures.order_by("order").values_list("pk", "order")))
        for m in course.modules.order_by("order")
    ]


# -- modules ---------------------------------------------------------------------------------


def test_modules_take_the_posted_order(teacher, course):
    ModuleFactory(course=course, order=2)
    first, second, third = module_ids(course)

    response = reorder_modules(teacher, course, [third, first, second])

    assert response.status_code == 302
    assert module_ids(course) == [third, first, second]
    assert orders(course.modules) == [0, 1, 2]


def test_module_reorder_with_htmx_answers_the_outline_in_the_new_order(teacher, course):
    first, second = module_ids(course)

    response = reorder_modules(teacher, course, [second, first], HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert html.index(f'id="module-{second}"') < html.index(f'id="module-{first}"')


@pytest.mark.parametrize("case", ["foreign", "missing", "duplicate", "unknown", "not a number"])
def test_a_module_order_that_is_not_exactly_the_courses_modules_is_a_400(
    teacher, course, other_instructor, case
):
    first, second = module_ids(course)
    foreign = course_with_lectures(instructors=[other_instructor]).modules.first().pk
    posted = {
        "foreign": [second, first, foreign],
        "missing": [second],
        "duplicate": [second, first, first],
        "unknown": [second, first, 999_999],
        "not a number": [second, "first"],
    }[case]
    before = layout(course)

    response = reorder_modules(teacher, course, posted)

    assert response.status_code == 400
    assert layout(course) == before


def test_an_empty_module_order_is_a_400(teacher, course):
    before = layout(course)

    assert reorder_modules(teacher, course, []).status_code == 400
    assert layout(course) == before


def test_module_reorder_needs_post(teacher, course):
    assert teacher.get(reverse("teach:module_reorder", args=[course.slug])).status_code == 405


@pytest.mark.parametrize("who", ["anonymous", "student", "other_instructor"])
def test_outsiders_cannot_reorder(client, course, student, other_instructor, who):
    if who != "anonymous":
        client.force_login(student if who == "student" else other_instructor)
    module = course.modules.get(order=0)
    before = layout(course)

    modules = reorder_modules(client, course, module_ids(course)[::-1])
    lectures = reorder_lectures(client, course, module, lecture_ids(module)[::-1])

    expected = 302 if who == "anonymous" else 404
    assert (modules.status_code, lectures.status_code) == (expected, expected)
    assert layout(course) == before


# -- lectures within a module ----------------------------------------------------------------


def test_lectures_take_the_posted_order(teacher, course):
    module = course.modules.get(order=0)
    a, b, c = lecture_ids(module)
    other_before = layout(course)[1]

    response = reorder_lectures(teacher, course, module, [c, a, b])

    assert response.status_code == 302
    assert lecture_ids(module) == [c, a, b]
    assert orders(module.lectures) == [0, 1, 2]
    assert layout(course)[1] == other_before  # the other module is untouched


@pytest.mark.parametrize(
    "case", ["other course", "missing", "duplicate", "unknown", "two from elsewhere"]
)
def test_a_lecture_order_that_does_not_match_the_module_is_a_400(
    teacher, course, other_instructor, case
):
    module, other = course.modules.order_by("order")
    a, b, c = lecture_ids(module)
    x, y, _z = lecture_ids(other)
    foreign = Lecture.objects.filter(
        module__course=course_with_lectures(instructors=[other_instructor])
    ).first()
    posted = {
        "other course": [c, b, a, foreign.pk],
        "missing": [c, b],
        "duplicate": [c, b, a, a],
        "unknown": [c, b, a, 999_999],
        "two from elsewhere": [x, c, b, a, y],
    }[case]
    before = layout(course)

    response = reorder_lectures(teacher, course, module, posted)

    assert response.status_code == 400
    assert layout(course) == before
    assert Lecture.objects.get(pk=foreign.pk).module.course != course


def test_a_module_of_another_course_under_my_slug_is_404(teacher, course, other_instructor):
    foreign = course_with_lectures(instructors=[other_instructor]).modules.first()

    response = reorder_lectures(teacher, course, foreign, lecture_ids(foreign)[::-1])

    assert response.status_code == 404


# -- lectures across modules -----------------------------------------------------------------


def test_a_lecture_dragged_into_another_module_takes_its_place_there(teacher, course):
    source, target = course.modules.order_by("order")
    a, b, c = lecture_ids(source)
    x, y, z = lecture_ids(target)

    response = reorder_lectures(teacher, course, target, [x, b, y, z])

    assert response.status_code == 302
    assert lecture_ids(target) == [x, b, y, z]
    assert lecture_ids(source) == [a, c]
    assert orders(target.lectures) == [0, 1, 2, 3]
    assert orders(source.lectures) == [0, 1]


def test_a_lecture_dragged_into_an_empty_module(teacher, course):
    source = course.modules.get(order=0)
    empty = ModuleFactory(course=course, order=2)
    a, b, c = lecture_ids(source)

    assert reorder_lectures(teacher, course, empty, [a]).status_code == 302

    assert lecture_ids(empty) == [a]
    assert lecture_ids(source) == [b, c]
    assert orders(source.lectures) == [0, 1]


def test_moving_a_lecture_into_a_draft_module_updates_the_course_length(
    teacher, course, instructor
):
    source = course.modules.get(order=0)
    draft = ModuleFactory(course=course, order=2, is_published=False)
    long = services.lecture_create(
        actor=instructor, module=source, title="Long", duration_seconds=3600, is_published=True
    )
    course.refresh_from_db()
    before = course.duration_minutes

    reorder_lectures(teacher, course, draft, [long.pk])

    course.refresh_from_db()
    assert course.duration_minutes == before - 60


def test_a_published_lecture_dragged_out_of_a_draft_module_notifies_students(teacher, course):
    draft = ModuleFactory(course=course, order=2, is_published=False)
    hidden = LectureFactory(module=draft, order=0, is_published=True, title="Now visible")
    student = EnrollmentFactory(course=course).student
    target = course.modules.get(order=0)

    reorder_lectures(teacher, course, target, [*lecture_ids(target), hidden.pk])

    (note,) = Notification.objects.filter(recipient=student, kind=Notification.Kind.NEW_LECTURE)
    assert "Now visible" in note.title


def test_reorder_query_count_does_not_grow_with_lectures(
    teacher, instructor, django_assert_max_num_queries
):
    for size in (2, 30):
        course = course_with_lectures(modules=2, lectures_per_module=size, instructors=[instructor])
        module = course.modules.get(order=0)
        ids = lecture_ids(module)[::-1]
        with django_assert_max_num_queries(14):
            assert reorder_lectures(teacher, course, module, ids).status_code == 302


# -- focus after a move ----------------------------------------------------------------------


def autofocused(html):
    return re.findall(r'<[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', html)


def test_move_without_javascript_lands_on_the_moved_rows_button(teacher, course):
    module = course.modules.get(order=0)
    a, b, c = lecture_ids(module)

    response = teacher.post(
        reverse("teach:lecture_move", args=[course.slug, a]), {"direction": "down"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"?focus=lecture-{a}-down#lecture-{a}-down")
    page = teacher.get(response["Location"].split("#")[0])
    assert autofocused(page.content.decode()) == [f"lecture-{a}-down"]


def test_a_row_moved_to_the_end_gets_the_focus_on_its_other_button(teacher, course):
    module = course.modules.get(order=0)
    a, b, c = lecture_ids(module)

    response = teacher.post(
        reverse("teach:lecture_move", args=[course.slug, b]),
        {"direction": "down"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert autofocused(response.content.decode()) == [f"lecture-{b}-up"]


def test_module_move_with_htmx_keeps_the_focus_on_the_pressed_button(teacher, course):
    ModuleFactory(course=course, order=2)
    first, second, third = module_ids(course)

    response = teacher.post(
        reverse("teach:module_move", args=[course.slug, third]),
        {"direction": "up"},
        HTTP_HX_REQUEST="true",
    )

    assert module_ids(course) == [first, third, second]
    assert autofocused(response.content.decode()) == [f"module-{third}-up"]


def test_publish_lands_on_the_rows_menu(teacher, course):
    lecture = course.modules.get(order=0).lectures.get(order=1)

    response = teacher.post(
        reverse("teach:lecture_publish", args=[course.slug, lecture.pk]), {"is_published": "0"}
    )

    assert response["Location"].endswith(f"#lecture-{lecture.pk}-menu")
    page = teacher.get(response["Location"].split("#")[0])
    assert autofocused(page.content.decode()) == [f"lecture-{lecture.pk}-menu"]


@pytest.mark.parametrize("focus", ["lecture-x-down", "module-1-sideways", "<script>", "lecture"])
def test_a_bad_focus_value_is_ignored(teacher, course, focus):
    response = teacher.get(reverse("teach:workspace", args=[course.slug]), {"focus": focus})

    assert response.status_code == 200
    assert autofocused(response.content.decode()) == []


def test_only_one_row_left_focuses_its_edit_link(teacher, instructor):
    course = course_with_lectures(modules=1, lectures_per_module=1, instructors=[instructor])
    lecture = Lecture.objects.get(module__course=course)

    response = teacher.post(
        reverse("teach:lecture_move", args=[course.slug, lecture.pk]),
        {"direction": "down"},
        HTTP_HX_REQUEST="true",
    )

    assert autofocused(response.content.decode()) == [f"lecture-{lecture.pk}-edit"]


def test_the_module_order_is_unchanged_by_a_lecture_reorder(teacher, course):
    module = course.modules.get(order=1)
    before = module_ids(course)

    reorder_lectures(teacher, course, module, lecture_ids(module)[::-1])

    assert module_ids(course) == before
    assert (
        Course.objects.get(pk=course.pk).modules.count()
        == Module.objects.filter(course=course).count()
    )

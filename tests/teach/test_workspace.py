"""Module and lecture CRUD, ordering and publishing through the workspace pages."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from courses.models import Course, Lecture, Module
from tests.factories import CourseFactory, ModuleFactory, course_with_lectures
from tests.teach.helpers import lecture_data, orders


def url(name, course, *args):
    return reverse(f"teach:{name}", args=[course.slug, *args])


def outline_titles(course):
    return [
        (m.title, [lecture.title for lecture in m.lectures.order_by("order")])
        for m in course.modules.order_by("order")
    ]


def test_workspace_shows_modules_and_lectures_in_order(teacher, course):
    first = course.modules.get(order=0)
    first.lectures.filter(order=0).update(title="Zeta")  # order, not title, decides

    response = teacher.get(url("workspace", course))

    assert response.status_code == 200
    html = response.content.decode()
    titles = [lecture.title for lecture in first.lectures.order_by("order")]
    positions = [html.index(f">{t}<") for t in titles]
    assert positions == sorted(positions)
    assert html.index(first.title) < html.index(course.modules.get(order=1).title)


def test_workspace_query_count_does_not_grow_with_lectures(
    teacher, instructor, django_assert_max_num_queries
):
    small = course_with_lectures(modules=1, lectures_per_module=1, instructors=[instructor])
    large = course_with_lectures(modules=6, lectures_per_module=8, instructors=[instructor])
    for course in (small, large):
        with django_assert_max_num_queries(7):
            assert teacher.get(url("workspace", course)).status_code == 200


# -- modules ---------------------------------------------------------------------------------


def test_create_module_goes_last(teacher, course):
    response = teacher.post(
        url("module_create", course), {"title": "Wrap-up", "description": "", "is_published": "on"}
    )

    assert response.status_code == 302
    module = course.modules.get(title="Wrap-up")
    assert module.order == 2 and module.is_published
    assert orders(course.modules) == [0, 1, 2]


def test_create_module_without_title_is_a_400_with_message(teacher, course):
    response = teacher.post(url("module_create", course), {"title": ""})

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert course.modules.count() == 2


def test_edit_module(teacher, course):
    module = course.modules.get(order=1)

    response = teacher.post(
        url("module_edit", course, module.pk), {"title": "Renamed", "description": "About"}
    )

    assert response.status_code == 302
    module.refresh_from_db()
    assert (module.title, module.description, module.is_published) == ("Renamed", "About", False)
    assert module.order == 1


def test_delete_module_closes_the_gap(teacher, course):
    ModuleFactory(course=course, order=2, title="Third")
    first = course.modules.get(order=0)

    assert teacher.get(url("module_delete", course, first.pk)).status_code == 200
    response = teacher.post(url("module_delete", course, first.pk))

    assert response.status_code == 302
    assert not Module.objects.filter(pk=first.pk).exists()
    assert not Lecture.objects.filter(module_id=first.pk).exists()
    assert orders(course.modules) == [0, 1]
    assert course.modules.get(order=1).title == "Third"


def test_move_module_up_and_down(teacher, course):
    first, second = course.modules.order_by("order")

    response = teacher.post(url("module_move", course, second.pk), {"direction": "up"})

    assert response.status_code == 302
    assert list(course.modules.order_by("order")) == [second, first]
    teacher.post(url("module_move", course, second.pk), {"direction": "down"})
    assert list(course.modules.order_by("order")) == [first, second]


def test_moving_the_first_up_changes_nothing(teacher, course):
    first, second = course.modules.order_by("order")

    teacher.post(url("module_move", course, first.pk), {"direction": "up"})
    teacher.post(url("module_move", course, second.pk), {"direction": "down"})

    assert list(course.modules.order_by("order")) == [first, second]
    assert orders(course.modules) == [0, 1]


def test_move_with_a_bad_direction_is_a_400(teacher, course):
    module = course.modules.first()

    response = teacher.post(url("module_move", course, module.pk), {"direction": "sideways"})

    assert response.status_code == 400


def test_move_with_htmx_returns_the_outline_only(teacher, course):
    first, second = course.modules.order_by("order")

    response = teacher.post(
        url("module_move", course, second.pk), {"direction": "up"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="outline"' in html and "<html" not in html
    assert html.index(second.title) < html.index(first.title)


def test_publish_and_unpublish_module(teacher, course):
    module = course.modules.first()

    teacher.post(url("module_publish", course, module.pk), {"is_published": "0"})
    module.refresh_from_db()
    assert not module.is_published

    teacher.post(url("module_publish", course, module.pk), {"is_published": "1"})
    module.refresh_from_db()
    assert module.is_published


def test_move_and_publish_need_post(teacher, course):
    module = course.modules.first()
    lecture = module.lectures.first()
    for name, obj in [
        ("module_move", module),
        ("module_publish", module),
        ("lecture_move", lecture),
        ("lecture_publish", lecture),
    ]:
        assert teacher.get(url(name, course, obj.pk)).status_code == 405


# -- lectures --------------------------------------------------------------------------------


def test_create_text_lecture_goes_last(teacher, course):
    module = course.modules.get(order=0)

    response = teacher.post(
        url("lecture_create", course, module.pk),
        lecture_data(module, title="Appendix", is_free_preview="on"),
    )

    assert response.status_code == 302
    lecture = module.lectures.get(title="Appendix")
    assert lecture.order == 3
    assert lecture.duration_seconds == 5 * 60 + 30
    assert lecture.body == "# Hello"
    assert lecture.is_free_preview and lecture.is_published
    assert orders(module.lectures) == [0, 1, 2, 3]


def test_create_draft_lecture(teacher, course):
    module = course.modules.get(order=0)

    teacher.post(
        url("lecture_create", course, module.pk),
        lecture_data(module, title="Later", is_published=None),
    )

    assert not module.lectures.get(title="Later").is_published


def test_lecture_form_errors_are_a_400(teacher, course):
    module = course.modules.get(order=0)

    response = teacher.post(
        url("lecture_create", course, module.pk),
        lecture_data(module, title="", duration_seconds=75),
    )

    assert response.status_code == 400
    assert module.lectures.count() == 3


def test_duration_over_a_day_is_rejected(teacher, course):
    module = course.modules.get(order=0)

    response = teacher.post(
        url("lecture_create", course, module.pk),
        lecture_data(module, duration_minutes=1440, duration_seconds=1),
    )

    assert response.status_code == 400
    assert "24 hours" in response.content.decode()


def test_edit_lecture_shows_current_values_and_saves(teacher, course):
    module = course.modules.get(order=0)
    lecture = module.lectures.get(order=1)

    page = teacher.get(url("lecture_edit", course, lecture.pk))
    assert page.status_code == 200
    assert lecture.title in page.content.decode()

    response = teacher.post(
        url("lecture_edit", course, lecture.pk),
        lecture_data(module, title="Edited", body="*new*", duration_minutes=1, duration_seconds=0),
    )

    assert response.status_code == 302
    lecture.refresh_from_db()
    assert (lecture.title, lecture.body, lecture.duration_seconds) == ("Edited", "*new*", 60)
    assert lecture.order == 1


def test_edit_lecture_moves_it_to_another_module_of_the_course(teacher, course):
    first, second = course.modules.order_by("order")
    lecture = first.lectures.get(order=0)

    response = teacher.post(url("lecture_edit", course, lecture.pk), lecture_data(second))

    assert response.status_code == 302
    lecture.refresh_from_db()
    assert lecture.module == second and lecture.order == 3
    assert orders(first.lectures) == [0, 1]
    assert orders(second.lectures) == [0, 1, 2, 3]


def test_delete_lecture_closes_the_gap(teacher, course):
    module = course.modules.get(order=0)
    middle = module.lectures.get(order=1)
    last = module.lectures.get(order=2)

    assert teacher.get(url("lecture_delete", course, middle.pk)).status_code == 200
    response = teacher.post(url("lecture_delete", course, middle.pk))

    assert response.status_code == 302
    assert not Lecture.objects.filter(pk=middle.pk).exists()
    assert orders(module.lectures) == [0, 1]
    last.refresh_from_db()
    assert last.order == 1


def test_reorder_after_delete_stays_contiguous(teacher, course):
    module = course.modules.get(order=0)
    a, b, c = module.lectures.order_by("order")

    teacher.post(url("lecture_delete", course, a.pk))
    teacher.post(url("lecture_move", course, c.pk), {"direction": "up"})

    assert list(module.lectures.order_by("order")) == [c, b]
    assert orders(module.lectures) == [0, 1]
    new = teacher.post(url("lecture_create", course, module.pk), lecture_data(module, title="N"))
    assert new.status_code == 302
    assert orders(module.lectures) == [0, 1, 2]


def test_move_lecture(teacher, course):
    module = course.modules.get(order=0)
    a, b, c = module.lectures.order_by("order")

    teacher.post(url("lecture_move", course, a.pk), {"direction": "down"})
    assert list(module.lectures.order_by("order")) == [b, a, c]

    response = teacher.post(
        url("lecture_move", course, c.pk), {"direction": "up"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'id="outline"' in response.content.decode()
    assert list(module.lectures.order_by("order")) == [b, c, a]


def test_publish_and_unpublish_lecture(teacher, course):
    lecture = course.modules.first().lectures.first()

    teacher.post(url("lecture_publish", course, lecture.pk), {"is_published": "0"})
    lecture.refresh_from_db()
    assert not lecture.is_published

    teacher.post(url("lecture_publish", course, lecture.pk), {"is_published": "1"})
    lecture.refresh_from_db()
    assert lecture.is_published


# -- what instructors cannot do --------------------------------------------------------------


def test_forged_module_of_another_course_is_rejected(teacher, course, other_instructor):
    foreign = ModuleFactory(course=CourseFactory(instructors=[other_instructor]), order=0)
    module = course.modules.get(order=0)
    lecture = module.lectures.get(order=0)

    edit = teacher.post(url("lecture_edit", course, lecture.pk), lecture_data(foreign))
    create = teacher.post(url("lecture_create", course, module.pk), lecture_data(foreign))

    assert edit.status_code == create.status_code == 400
    assert "Select a valid choice" in edit.content.decode()
    lecture.refresh_from_db()
    assert lecture.module == module
    assert not foreign.lectures.exists()


def test_posting_course_fields_changes_nothing(teacher, course, instructor, other_instructor):
    course.price = Decimal("49.00")
    course.save()
    module = course.modules.get(order=0)
    lecture = module.lectures.get(order=0)
    forged = {
        "price": "0",
        "title": "Hacked",
        "status": "archived",
        "instructors": [other_instructor.pk],
        "slug": "hacked",
    }

    teacher.post(url("module_edit", course, module.pk), {**forged, "description": "x"})
    teacher.post(url("lecture_edit", course, lecture.pk), {**lecture_data(module), **forged})
    teacher.post(url("module_create", course), forged)
    teacher.post(url("workspace", course), forged)

    fresh = Course.objects.get(pk=course.pk)
    assert fresh.price == Decimal("49.00")
    assert (fresh.title, fresh.status, fresh.slug) == ("Assigned", "published", course.slug)
    assert list(fresh.instructors.all()) == [instructor]


@pytest.mark.parametrize(
    "name", ["module_edit", "module_delete", "module_move", "module_publish", "lecture_create"]
)
def test_module_of_another_course_under_my_slug_is_404(teacher, course, name, other_instructor):
    foreign = ModuleFactory(course=CourseFactory(instructors=[other_instructor]), order=0)

    response = teacher.post(url(name, course, foreign.pk), {"title": "x", "direction": "up"})

    assert response.status_code == 404


def _deleted_when_read_again(table: str, pk: int):
    """A query wrapper: the row disappears (another request deleted it) when a query reads
    it a second time, which is the service's locked re-read after the view's lookup."""
    reads = []

    def wrapper(execute, sql, params, many, context):
        if sql.startswith("SELECT") and f'FROM "{table}"' in sql and pk in (params or ()):
            reads.append(sql)
            if len(reads) == 2:
                with context["connection"].cursor() as cursor:
                    cursor.execute(f'DELETE FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.parametrize(
    ("route", "table", "data"),
    [
        ("teach:module_publish", "courses_module", {"is_published": "0"}),
        ("teach:lecture_publish", "courses_lecture", {"is_published": "0"}),
    ],
)
def test_a_row_deleted_meanwhile_is_a_404_not_an_error(teacher, course, route, table, data):
    module = course.modules.order_by("order").first()
    target = module if table == "courses_module" else module.lectures.order_by("order").first()
    with connection.execute_wrapper(_deleted_when_read_again(table, target.pk)):
        response = teacher.post(reverse(route, args=[course.slug, target.pk]), data)

    assert response.status_code == 404


def test_editing_a_lecture_that_was_just_moved_elsewhere_asks_to_reload(instructor, course):
    from django.core.exceptions import ValidationError

    from teaching import services

    first, second = course.modules.order_by("order")
    third = ModuleFactory(course=course, order=2)
    stale = first.lectures.order_by("order").first()  # as the edit page read it
    # Another request moves it to the third module meanwhile.
    Lecture.objects.filter(pk=stale.pk).update(module=third, order=0)

    with pytest.raises(ValidationError, match="just moved"):
        services.lecture_update(
            actor=instructor,
            lecture=stale,
            module=first,
            title="Edited",
            kind="text",
            body="",
            duration_seconds=0,
            is_free_preview=False,
            is_published=True,
        )
    moved = Lecture.objects.get(pk=stale.pk)
    assert (moved.module_id, moved.title) == (third.pk, stale.title)


@pytest.mark.parametrize(
    ("provider", "video_id"), [("youtube", 'x" onload="alert(1)'), ("vimeo", "abc"), ("", "123")]
)
def test_the_lecture_service_refuses_a_video_id_it_cannot_embed(
    instructor, course, provider, video_id
):
    from django.core.exceptions import ValidationError

    from teaching import services

    module = course.modules.order_by("order").first()
    with pytest.raises(ValidationError):
        services.lecture_create(
            actor=instructor,
            module=module,
            title="Bad link",
            kind="video",
            video_provider=provider,
            video_id=video_id,
        )
    assert not Lecture.objects.filter(title="Bad link").exists()


def test_the_course_duration_follows_its_published_lectures(instructor, course):
    from django.db.models import Sum

    from teaching import services

    def minutes():
        course.refresh_from_db()
        return course.duration_minutes

    def published_minutes():
        seconds = Lecture.objects.filter(
            module__course=course, is_published=True, module__is_published=True
        ).aggregate(total=Sum("duration_seconds"))["total"]
        return ((seconds or 0) + 59) // 60

    module = course.modules.order_by("order").first()
    lecture = services.lecture_create(
        actor=instructor, module=module, title="Long", duration_seconds=600, is_published=True
    )
    with_long = minutes()
    assert with_long == published_minutes() and with_long >= 10
    services.lecture_set_published(actor=instructor, lecture=lecture, is_published=False)
    assert minutes() == with_long - 10
    services.lecture_set_published(actor=instructor, lecture=lecture, is_published=True)
    services.module_set_published(actor=instructor, module=module, is_published=False)
    assert minutes() == published_minutes() < with_long
    services.module_set_published(actor=instructor, module=module, is_published=True)
    assert minutes() == with_long
    services.lecture_delete(actor=instructor, lecture=lecture)
    assert minutes() == with_long - 10


def test_the_module_edit_form_keeps_the_course_duration_to_its_published_lectures(
    teacher, instructor, course
):
    """Unpublishing (or publishing) a module through its edit form updates the course's length."""
    from teaching import services

    module = course.modules.order_by("order").first()
    services.lecture_create(
        actor=instructor, module=module, title="Long", duration_seconds=600, is_published=True
    )
    course.refresh_from_db()
    with_module = course.duration_minutes
    edit = url("module_edit", course, module.pk)
    fields = {"title": module.title, "description": ""}

    assert teacher.post(edit, fields).status_code == 302  # "Published" unchecked
    module.refresh_from_db()
    course.refresh_from_db()
    assert not module.is_published
    assert course.duration_minutes <= with_module - 10
    assert teacher.post(edit, {**fields, "is_published": "on"}).status_code == 302
    course.refresh_from_db()
    assert course.duration_minutes == with_module

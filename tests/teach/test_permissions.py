"""Who may use which /teach/ URL, and the same rules in the services."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from courses.models import Course, Lecture, Module
from teaching import services
from tests.factories import AdminFactory, InstructorFactory, StudentFactory, course_with_lectures
from tests.teach.helpers import lecture_data


def teach_urls(course):
    module = course.modules.get(order=0)
    lecture = module.lectures.get(order=0)
    slug = course.slug
    module_ids = list(course.modules.order_by("-order").values_list("pk", flat=True))
    lecture_ids = list(module.lectures.order_by("-order").values_list("pk", flat=True))
    details = {"subtitle": "New subtitle", "description": "About", "intro_video_url": ""}
    return [
        ("get", reverse("teach:workspace", args=[slug]), {}),
        ("get", reverse("teach:course_edit", args=[slug]), {}),
        ("post", reverse("teach:course_edit", args=[slug]), details),
        ("post", reverse("teach:module_reorder", args=[slug]), {"module": module_ids}),
        (
            "post",
            reverse("teach:lecture_reorder", args=[slug, module.pk]),
            {"lecture": lecture_ids},
        ),
        ("get", reverse("teach:module_create", args=[slug]), {}),
        ("post", reverse("teach:module_create", args=[slug]), {"title": "M"}),
        ("get", reverse("teach:module_edit", args=[slug, module.pk]), {}),
        ("post", reverse("teach:module_edit", args=[slug, module.pk]), {"title": "M"}),
        ("get", reverse("teach:module_delete", args=[slug, module.pk]), {}),
        ("post", reverse("teach:module_move", args=[slug, module.pk]), {"direction": "down"}),
        ("post", reverse("teach:module_publish", args=[slug, module.pk]), {"is_published": "0"}),
        ("get", reverse("teach:lecture_create", args=[slug, module.pk]), {}),
        ("post", reverse("teach:lecture_create", args=[slug, module.pk]), lecture_data(module)),
        ("get", reverse("teach:lecture_edit", args=[slug, lecture.pk]), {}),
        ("post", reverse("teach:lecture_edit", args=[slug, lecture.pk]), lecture_data(module)),
        ("get", reverse("teach:lecture_delete", args=[slug, lecture.pk]), {}),
        ("post", reverse("teach:lecture_move", args=[slug, lecture.pk]), {"direction": "down"}),
        ("post", reverse("teach:lecture_publish", args=[slug, lecture.pk]), {"is_published": "0"}),
        # Deletions last: they remove what the URLs above point at.
        ("post", reverse("teach:lecture_delete", args=[slug, lecture.pk]), {}),
        ("post", reverse("teach:module_delete", args=[slug, module.pk]), {}),
    ]


def snapshot(course):
    return (
        list(
            Course.objects.filter(pk=course.pk).values_list(
                "subtitle", "description", "what_you_will_learn", "requirements", "thumbnail"
            )
        ),
        list(
            Module.objects.filter(course=course).values_list("pk", "title", "order", "is_published")
        ),
        list(
            Lecture.objects.filter(module__course=course).values_list(
                "pk", "title", "order", "is_published", "module_id"
            )
        ),
    )


@pytest.fixture
def owned(instructor):
    return course_with_lectures(modules=2, lectures_per_module=2, instructors=[instructor])


@pytest.mark.parametrize("who", ["anonymous", "student", "other_instructor"])
def test_outsiders_change_nothing(client, owned, who):
    if who == "student":
        client.force_login(StudentFactory())
    elif who == "other_instructor":
        # Assigned to a different course: their workspace works, this one does not.
        other = InstructorFactory()
        course_with_lectures(instructors=[other])
        client.force_login(other)
    before = snapshot(owned)

    for method, url, data in teach_urls(owned):
        response = getattr(client, method)(url, data)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/?next="), url
        else:
            assert response.status_code == 404, (method, url)

    assert snapshot(owned) == before


@pytest.mark.parametrize("who", ["assigned", "admin"])
def test_assigned_instructor_and_admin_may_use_every_url(client, instructor, owned, who):
    client.force_login(instructor if who == "assigned" else AdminFactory())

    for method, url, data in teach_urls(owned):
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302), (method, url, response.status_code)

    assert owned.modules.count() == 2  # one created, one deleted


def test_student_and_co_instructor_course_list(client, instructor, owned):
    co_teacher = InstructorFactory()
    owned.instructors.add(co_teacher)
    client.force_login(co_teacher)

    assert client.get(reverse("teach:workspace", args=[owned.slug])).status_code == 200
    assert owned.title in client.get(reverse("teach:course_list")).content.decode()


def test_demoted_instructor_loses_access(client, owned, instructor):
    """Access follows the role: an assigned user who is no longer an instructor loses it."""
    instructor.role = "student"
    instructor.save()
    client.force_login(instructor)

    assert client.get(reverse("teach:workspace", args=[owned.slug])).status_code == 404


# -- the services check the actor themselves ---------------------------------------------------


def service_calls(course):
    module = course.modules.get(order=0)
    lecture = module.lectures.get(order=0)
    module_ids = list(course.modules.order_by("-order").values_list("pk", flat=True))
    lecture_ids = list(module.lectures.order_by("-order").values_list("pk", flat=True))
    return {
        "course_details_update": lambda a: services.course_details_update(
            actor=a,
            course=course,
            subtitle="X",
            description="X",
            what_you_will_learn="X",
            requirements="X",
            intro_video_url="",
        ),
        "module_reorder": lambda a: services.module_reorder(
            actor=a, course=course, module_ids=module_ids
        ),
        "lecture_reorder": lambda a: services.lecture_reorder(
            actor=a, module=module, lecture_ids=lecture_ids
        ),
        "module_create": lambda a: services.module_create(actor=a, course=course, title="X"),
        "module_update": lambda a: services.module_update(
            actor=a, module=module, title="X", description="", is_published=True
        ),
        "module_delete": lambda a: services.module_delete(actor=a, module=module),
        "module_move": lambda a: services.module_move(actor=a, module=module, direction="down"),
        "module_set_published": lambda a: services.module_set_published(
            actor=a, module=module, is_published=False
        ),
        "lecture_create": lambda a: services.lecture_create(actor=a, module=module, title="X"),
        "lecture_update": lambda a: services.lecture_update(
            actor=a,
            lecture=lecture,
            module=module,
            title="X",
            kind="text",
            body="",
            duration_seconds=0,
            is_free_preview=False,
            is_published=True,
        ),
        "lecture_delete": lambda a: services.lecture_delete(actor=a, lecture=lecture),
        "lecture_move": lambda a: services.lecture_move(actor=a, lecture=lecture, direction="down"),
        "lecture_set_published": lambda a: services.lecture_set_published(
            actor=a, lecture=lecture, is_published=False
        ),
    }


SERVICES = [
    "course_details_update",
    "module_reorder",
    "lecture_reorder",
    "module_create",
    "module_update",
    "module_delete",
    "module_move",
    "module_set_published",
    "lecture_create",
    "lecture_update",
    "lecture_delete",
    "lecture_move",
    "lecture_set_published",
]


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("who", ["student", "other_instructor"])
def test_services_refuse_the_wrong_actor(owned, name, who):
    actor = StudentFactory() if who == "student" else InstructorFactory()
    before = snapshot(owned)

    with pytest.raises(PermissionDenied):
        service_calls(owned)[name](actor)

    assert snapshot(owned) == before


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("who", ["assigned", "admin"])
def test_services_accept_the_assigned_instructor_and_an_admin(owned, instructor, name, who):
    before = snapshot(owned)

    service_calls(owned)[name](instructor if who == "assigned" else AdminFactory())

    assert snapshot(owned) != before

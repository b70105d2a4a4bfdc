"""Courses, modules and lectures in the admin."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from courses.models import Course, Lecture
from notifications.models import Notification
from tests.admin.helpers import admin_form_data
from tests.factories import (
    CategoryFactory,
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    LectureCompletionFactory,
    LectureFactory,
    ModuleFactory,
)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def assigned_notifications():
    return Notification.objects.filter(kind=Notification.Kind.INSTRUCTOR_ASSIGNED)


def new_course_data(category, **extra):
    return {
        "title": "Django from zero",
        "slug": "django-from-zero",
        "category": category.pk,
        "status": Course.Status.DRAFT,
        "description": "Learn Django.",
        "level": Course.Level.BEGINNER,
        "duration_minutes": "90",
        "price": "19.00",
        "currency": "usd",
        "modules-TOTAL_FORMS": "1",
        "modules-INITIAL_FORMS": "0",
        "modules-MIN_NUM_FORMS": "0",
        "modules-MAX_NUM_FORMS": "1000",
        "modules-0-title": "Getting started",
        "modules-0-order": "0",
        "modules-0-is_published": "on",
        **extra,
    }


@pytest.mark.django_db
def test_add_course_with_instructors_and_a_module(admin_client):
    category = CategoryFactory()
    teachers = InstructorFactory.create_batch(2)
    response = admin_client.post(
        "/admin/courses/course/add/",
        new_course_data(
            category, status=Course.Status.PUBLISHED, instructors=[t.pk for t in teachers]
        ),
    )
    assert response.status_code == 302
    course = Course.objects.get(slug="django-from-zero")
    assert course.price == Decimal("19.00")
    assert course.published_at is not None
    assert set(course.instructors.all()) == set(teachers)
    assert course.modules.get().title == "Getting started"
    assert {n.recipient for n in assigned_notifications()} == set(teachers)


@pytest.mark.django_db
def test_draft_course_has_no_publication_date_until_published(admin_client):
    category = CategoryFactory()
    admin_client.post("/admin/courses/course/add/", new_course_data(category))
    course = Course.objects.get(slug="django-from-zero")
    assert course.published_at is None

    url = f"/admin/courses/course/{course.pk}/change/"
    page = admin_client.get(url)
    admin_client.post(url, admin_form_data(page, status=Course.Status.PUBLISHED))
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    assert course.published_at is not None


@pytest.mark.django_db
def test_only_newly_assigned_instructors_are_notified(admin_client):
    kept, added = InstructorFactory.create_batch(2)
    course = CourseFactory(instructors=[kept])
    url = f"/admin/courses/course/{course.pk}/change/"
    page = admin_client.get(url)
    response = admin_client.post(url, admin_form_data(page, instructors=[kept.pk, added.pk]))
    assert response.status_code == 302
    assert set(course.instructors.all()) == {kept, added}
    assert [n.recipient for n in assigned_notifications()] == [added]
    assert course.slug in assigned_notifications().get().link

    # Saving again without changes tells nobody anything new.
    page = admin_client.get(url)
    admin_client.post(url, admin_form_data(page))
    assert assigned_notifications().count() == 1


@pytest.mark.django_db
def test_students_cannot_be_assigned_as_instructors(admin_client, student):
    course = CourseFactory()
    url = f"/admin/courses/course/{course.pk}/change/"
    page = admin_client.get(url)
    assert f'value="{student.pk}"' not in page.content.decode()
    response = admin_client.post(url, admin_form_data(page, instructors=[student.pk]))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["instructors"]
    assert not course.instructors.exists()
    assert not assigned_notifications().exists()


@pytest.mark.django_db
def test_slug_is_stable_after_creation(admin_client):
    course = CourseFactory(title="Original", slug="original")
    url = f"/admin/courses/course/{course.pk}/change/"
    page = admin_client.get(url)
    assert 'name="slug"' not in page.content.decode()
    admin_client.post(url, admin_form_data(page, title="Renamed", slug="renamed"))
    course.refresh_from_db()
    assert (course.title, course.slug) == ("Renamed", "original")


@pytest.mark.django_db
def test_publish_and_archive_actions(admin_client):
    draft = CourseFactory(status=Course.Status.DRAFT, published_at=None)
    live = CourseFactory()
    first_published = live.published_at
    admin_client.post(
        "/admin/courses/course/",
        {"action": "publish", "_selected_action": [draft.pk, live.pk]},
    )
    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.status == Course.Status.PUBLISHED and draft.published_at is not None
    assert live.published_at == first_published

    admin_client.post(
        "/admin/courses/course/", {"action": "archive", "_selected_action": [live.pk]}
    )
    live.refresh_from_db()
    assert live.status == Course.Status.ARCHIVED


@pytest.mark.django_db
def test_module_page_lists_its_lectures_in_order(admin_client):
    module = ModuleFactory()
    LectureFactory(module=module, order=2, title="Second")
    LectureFactory(module=module, order=1, title="First")
    response = admin_client.get(f"/admin/courses/module/{module.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("First") < html.index("Second")


@pytest.mark.django_db
def test_swapping_two_modules_in_the_course_page_keeps_the_order_unique(admin_client):
    # Saved one at a time, the first module took the second's order: an IntegrityError once.
    course = CourseFactory()
    first = ModuleFactory(course=course, order=0, title="First")
    second = ModuleFactory(course=course, order=1, title="Second")
    url = f"/admin/courses/course/{course.pk}/change/"
    page = admin_client.get(url)
    response = admin_client.post(
        url, admin_form_data(page, **{"modules-0-order": "1", "modules-1-order": "0"})
    )
    assert response.status_code == 302
    assert list(course.modules.order_by("order").values_list("title", flat=True)) == [
        "Second",
        "First",
    ]
    assert {first.pk, second.pk} == set(course.modules.values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_lecture_takes_the_order_of_one_deleted_in_the_same_save(admin_client):
    module = ModuleFactory()
    LectureFactory(module=module, order=0, title="Kept")
    LectureFactory(module=module, order=1, title="Moved")
    LectureFactory(module=module, order=2, title="Deleted")
    url = f"/admin/courses/module/{module.pk}/change/"
    page = admin_client.get(url)
    changes = {"lectures-1-order": "2", "lectures-2-DELETE": "on"}
    response = admin_client.post(url, admin_form_data(page, **changes))
    assert response.status_code == 302
    assert list(module.lectures.order_by("order").values_list("title", "order")) == [
        ("Kept", 0),
        ("Moved", 2),
    ]


@pytest.mark.django_db
def test_two_modules_given_one_order_are_a_form_error(admin_client):
    course = CourseFactory()
    ModuleFactory(course=course, order=0)
    ModuleFactory(course=course, order=1)
    url = f"/admin/courses/course/{course.pk}/change/"
    page = admin_client.get(url)
    response = admin_client.post(url, admin_form_data(page, **{"modules-1-order": "0"}))
    assert response.status_code == 200
    assert sorted(course.modules.values_list("order", flat=True)) == [0, 1]


def lecture_data(module, **extra):
    return {
        "module": module.pk,
        "title": "Intro video",
        "order": "0",
        "kind": Lecture.Kind.VIDEO,
        "body": "",
        "duration_seconds": "120",
        "is_published": "on",
        **extra,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad_url",
    ["https://evil.example.com/watch?v=dQw4w9WgXcQ", "javascript:alert(1)", "x" * 600],
)
def test_lecture_with_a_bad_video_link_shows_an_error(admin_client, bad_url):
    module = ModuleFactory()
    response = admin_client.post(
        "/admin/courses/lecture/add/", lecture_data(module, video_url=bad_url)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["video_url"]
    assert not Lecture.objects.exists()


@pytest.mark.django_db
def test_video_lecture_without_any_video_shows_an_error(admin_client):
    module = ModuleFactory()
    response = admin_client.post("/admin/courses/lecture/add/", lecture_data(module))
    assert response.status_code == 200
    assert not Lecture.objects.exists()


@pytest.mark.django_db
def test_lecture_video_link_is_stored_as_provider_and_id(admin_client):
    module = ModuleFactory()
    response = admin_client.post(
        "/admin/courses/lecture/add/",
        lecture_data(module, video_url="https://youtu.be/dQw4w9WgXcQ"),
    )
    assert response.status_code == 302
    lecture = Lecture.objects.get()
    assert (lecture.video_provider, lecture.video_id) == ("youtube", "dQw4w9WgXcQ")

    url = f"/admin/courses/lecture/{lecture.pk}/change/"
    page = admin_client.get(url)
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in page.content.decode()
    admin_client.post(
        url, admin_form_data(page, video_url="https://vimeo.com/76979871", kind="video")
    )
    lecture.refresh_from_db()
    assert (lecture.video_provider, lecture.video_id) == ("vimeo", "76979871")


@pytest.mark.django_db
def test_category_slug_is_prepopulated_and_searchable(admin_client):
    CategoryFactory(name="Data Science")
    page = admin_client.get("/admin/courses/category/add/")
    assert "prepopulated" in page.content.decode()
    response = admin_client.get("/admin/courses/category/", {"q": "data"})
    assert response.context["cl"].result_count == 1


@pytest.mark.django_db
def test_course_intro_video_must_be_youtube_or_vimeo(admin_client):
    category = CategoryFactory()
    response = admin_client.post(
        "/admin/courses/course/add/",
        new_course_data(category, intro_video_url="https://evil.example.com/clip.mp4"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["intro_video_url"]
    assert not Course.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("actor_fixture", ["student", "instructor"])
def test_only_admins_assign_instructors_or_publish(request, actor_fixture, instructor):
    from django.core.exceptions import PermissionDenied

    from courses.services import course_instructors_set, courses_status_set

    actor = request.getfixturevalue(actor_fixture)
    course = CourseFactory(status=Course.Status.DRAFT, published_at=None)
    with pytest.raises(PermissionDenied):
        course_instructors_set(actor=actor, course=course, instructors=[instructor])
    with pytest.raises(PermissionDenied):
        courses_status_set(
            actor=actor, courses=Course.objects.all(), status=Course.Status.PUBLISHED
        )
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT
    assert not course.instructors.exists()


@pytest.mark.django_db
def test_instructor_assignment_service_rejects_other_roles(admin_user, student):
    from django.core.exceptions import ValidationError

    from courses.services import course_instructors_set

    course = CourseFactory()
    with pytest.raises(ValidationError):
        course_instructors_set(actor=admin_user, course=course, instructors=[student])
    assert not course.instructors.exists()


@pytest.mark.django_db
def test_the_course_service_keeps_the_price_rule(admin_user):
    from django.core.exceptions import ValidationError

    from courses.services import course_admin_save

    course = CourseFactory.build(price=Decimal("0.10"))
    with pytest.raises(ValidationError):
        course_admin_save(actor=admin_user, course=course)
    assert not Course.objects.filter(slug=course.slug).exists()


@pytest.mark.django_db
def test_currency_is_picked_from_a_list(admin_client):
    category = CategoryFactory()
    html = admin_client.get("/admin/courses/course/add/").content.decode()
    assert '<select name="currency"' in html
    assert '<option value="eur">Euro (EUR)</option>' in html
    typo = admin_client.post(
        "/admin/courses/course/add/", new_course_data(category, currency="uds")
    )
    assert typo.status_code == 200
    assert "Select a valid choice" in typo.content.decode()
    assert not Course.objects.filter(slug="django-from-zero").exists()
    admin_client.post("/admin/courses/course/add/", new_course_data(category, currency="eur"))
    assert Course.objects.get(slug="django-from-zero").currency == "eur"


@pytest.mark.django_db
def test_a_course_in_an_unlisted_currency_keeps_it_when_edited(admin_client):
    course = CourseFactory(currency="thb")
    html = admin_client.get(f"/admin/courses/course/{course.pk}/change/").content.decode()
    assert '<option value="thb" selected>THB</option>' in html


@pytest.mark.django_db
def test_a_cloudinary_failure_on_a_thumbnail_is_a_message_not_a_500(admin_client, cloudinary_media):
    """A thumbnail Cloudinary cannot take brings the admin back to the form with a message."""
    course = CourseFactory(title="Trees")
    url = f"/admin/courses/course/{course.pk}/change/"
    page = admin_client.get(url)
    thumbnail = SimpleUploadedFile("t.png", png_bytes(), content_type="image/png")
    cloudinary_media.fail_next(status=500, message="Cloudinary is down")
    data = admin_form_data(page, title="Renamed", thumbnail=thumbnail)
    response = admin_client.post(url, data, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "The file could not be stored" in response.content.decode()
    course.refresh_from_db()
    assert course.title == "Trees" and not course.thumbnail


def _two_modules():
    """A course of 15 minutes: 2 lectures in its first module, 1 in its last; the stored
    length up to date."""
    course = CourseFactory(duration_minutes=15)
    first, last = ModuleFactory(course=course, order=0), ModuleFactory(course=course, order=1)
    LectureFactory(module=first, order=0)
    LectureFactory(module=first, order=1)
    LectureFactory(module=last, order=0)
    return course


def _last_lecture(course):
    return Lecture.objects.get(module__course=course, module__order=1)


def _post_changed(client, url, **changes):
    response = client.post(url, admin_form_data(client.get(url), **changes))
    assert response.status_code == 302, response.context and response.context.get("errors")


def _unpublish_on_lecture_page(client, course):
    _post_changed(
        client, f"/admin/courses/lecture/{_last_lecture(course).pk}/change/", is_published=None
    )


def _delete_on_lecture_page(client, course):
    url = f"/admin/courses/lecture/{_last_lecture(course).pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302


def _delete_from_lecture_list(client, course):
    data = {"action": "delete_selected", "_selected_action": [_last_lecture(course).pk]}
    assert client.post("/admin/courses/lecture/", {**data, "post": "yes"}).status_code == 302


def _unpublish_in_module_page(client, course):
    url = f"/admin/courses/module/{_last_lecture(course).module_id}/change/"
    _post_changed(client, url, **{"lectures-0-is_published": None})


def _delete_in_module_page(client, course):
    url = f"/admin/courses/module/{_last_lecture(course).module_id}/change/"
    _post_changed(client, url, **{"lectures-0-DELETE": "on"})


def _unpublish_module_page(client, course):
    url = f"/admin/courses/module/{_last_lecture(course).module_id}/change/"
    _post_changed(client, url, is_published=None)


def _delete_on_module_page(client, course):
    url = f"/admin/courses/module/{_last_lecture(course).module_id}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302


def _delete_from_module_list(client, course):
    data = {"action": "delete_selected", "_selected_action": [_last_lecture(course).module_id]}
    assert client.post("/admin/courses/module/", {**data, "post": "yes"}).status_code == 302


def _unpublish_module_in_course_page(client, course):
    url = f"/admin/courses/course/{course.pk}/change/"
    _post_changed(client, url, **{"modules-1-is_published": None})


def _delete_module_in_course_page(client, course):
    url = f"/admin/courses/course/{course.pk}/change/"
    _post_changed(client, url, **{"modules-1-DELETE": "on"})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "remove",
    [
        _unpublish_on_lecture_page,
        _delete_on_lecture_page,
        _delete_from_lecture_list,
        _unpublish_in_module_page,
        _delete_in_module_page,
        _unpublish_module_page,
        _delete_on_module_page,
        _delete_from_module_list,
        _unpublish_module_in_course_page,
        _delete_module_in_course_page,
    ],
)
def test_removing_a_lecture_in_the_admin_updates_the_course(admin_client, remove, committed):
    """A lecture unpublished or deleted in the admin shortens the course's stated length,
    and completes the course for a student who had done every other lecture."""
    course = _two_modules()
    enrollment = EnrollmentFactory(course=course)
    for lecture in Lecture.objects.filter(module__course=course, module__order=0):
        LectureCompletionFactory(enrollment=enrollment, lecture=lecture)

    with committed():  # the completions go to a background task once the change commits
        remove(admin_client, course)

    course.refresh_from_db()
    assert course.duration_minutes == 10
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None
    assert Notification.objects.filter(
        recipient=enrollment.student, kind=Notification.Kind.COURSE_COMPLETED
    ).exists()


@pytest.mark.django_db
def test_a_lecture_moved_to_another_course_in_the_admin_updates_both_lengths(admin_client):
    """Both courses state their new length after a lecture moves between them."""
    course, other = _two_modules(), _two_modules()
    lecture = _last_lecture(course)
    url = f"/admin/courses/lecture/{lecture.pk}/change/"
    _post_changed(admin_client, url, module=other.modules.get(order=0).pk, order=5)

    course.refresh_from_db()
    other.refresh_from_db()
    assert (course.duration_minutes, other.duration_minutes) == (10, 20)


@pytest.mark.django_db
def test_a_lecture_added_in_the_admin_lengthens_the_course(admin_client):
    """A published lecture added in the admin counts in the course's stated length."""
    course = _two_modules()
    module = course.modules.get(order=1)
    data = lecture_data(module, order="1", kind=Lecture.Kind.TEXT, duration_seconds="600")
    assert admin_client.post("/admin/courses/lecture/add/", data).status_code == 302

    course.refresh_from_db()
    assert course.duration_minutes == 25

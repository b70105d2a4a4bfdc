"""The course details form (/teach/<slug>/details/): what a course's instructors may change
about its page, with the same upload and video-link rules as the admin."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from courses.models import Course
from tests.factories import AdminFactory, InstructorFactory, StudentFactory

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def url(course):
    return reverse("teach:course_edit", args=[course.slug])


def png(name="cover.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def details(**overrides):
    data = {
        "subtitle": "Learn it well",
        "description": "A **good** course.",
        "what_you_will_learn": "Orbits\nRockets",
        "requirements": "Curiosity",
        "intro_video_url": VIDEO,
    }
    data.update(overrides)
    return data


def saved(course):
    return Course.objects.filter(pk=course.pk).values(
        "subtitle", "description", "what_you_will_learn", "requirements", "intro_video_url"
    )[0]


def test_the_form_shows_the_current_details(teacher, course):
    Course.objects.filter(pk=course.pk).update(subtitle="Old subtitle", requirements="Algebra")

    response = teacher.get(url(course))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Old subtitle"' in html and "Algebra</textarea>" in html
    for field in ("price", "status", "instructors", "title"):
        assert f'name="{field}"' not in html


def test_instructor_saves_the_details_and_a_thumbnail(teacher, course):
    response = teacher.post(url(course), {**details(), "thumbnail": png()})

    assert response.status_code == 302
    assert response["Location"] == reverse("teach:workspace", args=[course.slug])
    assert saved(course) == {**details()}
    fresh = Course.objects.get(pk=course.pk)
    assert fresh.thumbnail.name.startswith("thumbnails/cover")
    assert fresh.learning_outcomes == ["Orbits", "Rockets"]
    assert teacher.get(fresh.get_absolute_url()).status_code == 200


def test_replacing_and_removing_the_thumbnail(teacher, course, django_capture_on_commit_callbacks):
    def post(data):
        # Old files are deleted once the change is committed.
        with django_capture_on_commit_callbacks(execute=True):
            assert teacher.post(url(course), data).status_code == 302

    post({**details(), "thumbnail": png("first.png")})
    first = Course.objects.get(pk=course.pk).thumbnail
    storage, first_name = first.storage, first.name
    assert storage.exists(first_name)

    post({**details(), "thumbnail": png("second.png")})
    second = Course.objects.get(pk=course.pk).thumbnail.name
    assert second.startswith("thumbnails/second") and not storage.exists(first_name)

    post({**details(), "remove_thumbnail": "on"})
    assert not Course.objects.get(pk=course.pk).thumbnail
    assert not storage.exists(second)


def test_choosing_a_new_thumbnail_and_remove_is_a_400(teacher, course):
    teacher.post(url(course), {**details(), "thumbnail": png("first.png")})
    name = Course.objects.get(pk=course.pk).thumbnail.name

    response = teacher.post(
        url(course), {**details(), "thumbnail": png("second.png"), "remove_thumbnail": "on"}
    )

    assert response.status_code == 400
    assert Course.objects.get(pk=course.pk).thumbnail.name == name


def test_saving_without_a_new_file_keeps_the_thumbnail(teacher, course):
    teacher.post(url(course), {**details(), "thumbnail": png()})
    name = Course.objects.get(pk=course.pk).thumbnail.name

    teacher.post(url(course), details(subtitle="Changed"))

    fresh = Course.objects.get(pk=course.pk)
    assert (fresh.subtitle, fresh.thumbnail.name) == ("Changed", name)


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("cover.png", b"not an image at all", "image/png"), "valid image"),
        (SimpleUploadedFile("cover.svg", b"<svg></svg>", "image/svg+xml"), "not allowed"),
        (SimpleUploadedFile("cover.txt", b"plain text", "text/plain"), "valid image"),
    ],
)
def test_a_bad_thumbnail_is_a_400_and_nothing_changes(teacher, course, upload, message):
    before = saved(course)

    response = teacher.post(url(course), {**details(subtitle="Changed"), "thumbnail": upload})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert saved(course) == before
    assert not Course.objects.get(pk=course.pk).thumbnail


@pytest.mark.parametrize(
    "link",
    [
        "https://example.com/video.mp4",
        "javascript:alert(1)",
        "https://www.youtube.com/watch?v=bad",
        "not a url",
        "https://vimeo.com/" + "1" * 300,
    ],
)
def test_a_link_the_page_cannot_embed_is_a_400(teacher, course, link):
    before = saved(course)

    response = teacher.post(url(course), details(intro_video_url=link))

    assert response.status_code == 400
    assert saved(course) == before


def test_vimeo_and_an_empty_link_are_accepted(teacher, course):
    assert teacher.post(url(course), details(intro_video_url="https://vimeo.com/76979871"))
    assert saved(course)["intro_video_url"] == "https://vimeo.com/76979871"

    teacher.post(url(course), details(intro_video_url=""))
    assert saved(course)["intro_video_url"] == ""


def test_price_status_title_and_instructors_cannot_be_changed_through_it(
    teacher, course, instructor, other_instructor
):
    Course.objects.filter(pk=course.pk).update(price=Decimal("49.00"))
    forged = {
        "price": "0",
        "title": "Hacked",
        "status": "archived",
        "instructors": [other_instructor.pk],
        "slug": "hacked",
        "is_featured": "on",
        "currency": "XXX",
    }

    response = teacher.post(url(course), {**details(), **forged})

    assert response.status_code == 302
    fresh = Course.objects.get(pk=course.pk)
    assert (fresh.price, fresh.title, fresh.status, fresh.slug) == (
        Decimal("49.00"),
        "Assigned",
        "published",
        course.slug,
    )
    assert (fresh.is_featured, fresh.currency) == (course.is_featured, course.currency)
    assert list(fresh.instructors.all()) == [instructor]
    assert fresh.subtitle == "Learn it well"


@pytest.mark.parametrize("who", ["anonymous", "student", "other_instructor"])
def test_only_the_courses_instructors_and_admins_may_edit(client, course, who):
    if who == "student":
        client.force_login(StudentFactory())
    elif who == "other_instructor":
        client.force_login(InstructorFactory())
    before = saved(course)

    get = client.get(url(course))
    post = client.post(url(course), details(subtitle="Hacked"))

    if who == "anonymous":
        assert get.status_code == post.status_code == 302
        assert post["Location"].startswith("/accounts/login/")
    else:
        assert get.status_code == post.status_code == 404
    assert saved(course) == before


def test_an_admin_may_edit_any_course(client, course):
    client.force_login(AdminFactory())

    assert client.post(url(course), details(subtitle="By the admin")).status_code == 302
    assert saved(course)["subtitle"] == "By the admin"


def test_a_co_instructor_may_edit(client, course):
    co_teacher = InstructorFactory()
    course.instructors.add(co_teacher)
    client.force_login(co_teacher)

    assert client.post(url(course), details(subtitle="Co-taught")).status_code == 302
    assert saved(course)["subtitle"] == "Co-taught"


def test_new_details_show_on_the_public_course_page_at_once(
    teacher, course, django_capture_on_commit_callbacks
):
    from django.test import Client

    visitor = Client()
    assert "Learn it well" not in visitor.get(course.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        teacher.post(url(course), details())

    # The page is cached whole for anonymous visitors; the edit moves that cache on.
    assert "Learn it well" in visitor.get(course.get_absolute_url()).content.decode()

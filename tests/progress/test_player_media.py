"""Player content and private media delivery behind the unlock rule."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from courses.models import Lecture
from progress.models import LectureCompletion
from tests.factories import StudentFactory
from tests.progress.conftest import player_url

pytestmark = pytest.mark.django_db

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def media_url(course, lecture, kind):
    return reverse("progress:media", args=[course.slug, lecture.pk, kind])


@pytest.fixture
def video_lecture(lectures):
    lecture = lectures[0]
    lecture.kind = Lecture.Kind.VIDEO
    lecture.video_file.save("intro.mp4", ContentFile(MP4), save=False)
    lecture.attachment.save("slides.pdf", ContentFile(b"%PDF-1.4 slides"), save=False)
    lecture.save()
    return lecture


def test_text_lecture_body_is_rendered_as_sanitised_markdown(
    student_client, course, lectures, enrollment
):
    lectures[0].body = "# Welcome\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    lectures[0].save()

    html = student_client.get(player_url(course, lectures[0])).content.decode()

    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript' not in html


def test_uploaded_video_plays_from_the_access_checked_media_url(
    student_client, course, video_lecture, enrollment
):
    html = student_client.get(player_url(course, video_lecture)).content.decode()

    video_src = media_url(course, video_lecture, "video")
    assert f'class="video-embed" src="{video_src}"' in html
    assert media_url(course, video_lecture, "attachment") in html
    assert video_lecture.video_file.name not in html


@pytest.mark.parametrize(
    ("provider", "video_id", "src"),
    [
        ("youtube", "dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("vimeo", "76979871", "https://player.vimeo.com/video/76979871"),
    ],
)
def test_linked_videos_use_their_embed_urls(
    student_client, course, lectures, enrollment, provider, video_id, src
):
    Lecture.objects.filter(pk=lectures[0].pk).update(
        kind=Lecture.Kind.VIDEO, video_provider=provider, video_id=video_id
    )

    html = student_client.get(player_url(course, lectures[0])).content.decode()

    assert f'<iframe class="video-embed" src="{src}"' in html


def test_enrolled_student_gets_the_video_inline(student_client, course, video_lecture, enrollment):
    response = student_client.get(media_url(course, video_lecture, "video"))

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == MP4


def test_attachment_downloads_as_an_attachment(student_client, course, video_lecture, enrollment):
    response = student_client.get(media_url(course, video_lecture, "attachment"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="slides' in response["Content-Disposition"]


def test_media_is_never_served_as_html(student_client, course, lectures, enrollment):
    lectures[0].attachment.save("page.html", ContentFile(b"<html><script>x</script>"))

    response = student_client.get(media_url(course, lectures[0], "attachment"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("who", ["anonymous", "not_enrolled", "locked"])
def test_media_without_access_is_not_served(client, course, lectures, enrollment, who):
    lecture = lectures[1] if who == "locked" else lectures[0]
    lecture.video_file.save("paid.mp4", ContentFile(MP4))
    if who == "not_enrolled":
        client.force_login(StudentFactory())
    elif who == "locked":
        client.force_login(enrollment.student)

    response = client.get(media_url(course, lecture, "video"))

    assert response.status_code == 404
    assert not hasattr(response, "streaming_content")


def test_unknown_media_kind_and_missing_file_are_404(student_client, course, lectures, enrollment):
    assert student_client.get(media_url(course, lectures[0], "body")).status_code == 404
    assert student_client.get(media_url(course, lectures[0], "video")).status_code == 404


def test_free_preview_media_is_open_to_anyone(client, course, lectures):
    lectures[3].video_file.save("preview.mp4", ContentFile(MP4))

    assert client.get(media_url(course, lectures[3], "video")).status_code == 200


def test_cloudinary_private_media_redirect_to_a_signed_url(
    settings, student_client, course, lectures, enrollment
):
    settings.CLOUDINARY_URL = "cloudinary://key:secret@demo-cloud"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "core.storage.CloudinaryStorage",
            "OPTIONS": {"delivery_type": "authenticated"},
        },
    }
    Lecture.objects.filter(pk=lectures[0].pk).update(video_file="video/lectures/videos/intro.mp4")
    LectureCompletion.objects.all().delete()

    response = student_client.get(media_url(course, lectures[0], "video"))

    assert response.status_code == 302
    assert response.url.startswith("https://res.cloudinary.com/demo-cloud/video/authenticated/s--")
    # Without access, no URL at all.
    student_client.logout()
    assert student_client.get(media_url(course, lectures[0], "video")).status_code == 404

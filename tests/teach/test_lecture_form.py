"""Lecture editing: Markdown preview, video links and uploads, attachments, media storage."""

import re

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Lecture
from tests.teach.helpers import MP4, PDF, lecture_data

HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SIGNED = re.compile(r"/s--[A-Za-z0-9_-]{8}--/")


@pytest.fixture
def module(course):
    return course.modules.get(order=0)


def create_url(module):
    return reverse("teach:lecture_create", args=[module.course.slug, module.pk])


def edit_url(lecture):
    return reverse("teach:lecture_edit", args=[lecture.module.course.slug, lecture.pk])


def stored_files(storage, folder):
    try:
        return storage.listdir(folder)[1]
    except FileNotFoundError:
        return []


# -- Markdown preview --------------------------------------------------------------------------


def test_preview_renders_sanitized_markdown_and_saves_nothing(teacher, module):
    body = "# Title\n\n**bold** [x](javascript:alert(1)) <script>alert(1)</script>"

    response = teacher.post(create_url(module), lecture_data(module, body=body, preview="1"))

    assert response.status_code == 200
    preview = str(response.context["preview"])
    assert "<h1>Title</h1>" in preview and "<strong>bold</strong>" in preview
    assert "<script" not in preview and 'href="javascript' not in preview
    # The form comes back filled in, for more editing.
    assert "**bold**" in response.content.decode()
    assert module.lectures.count() == 3


def test_preview_while_editing_keeps_the_lecture(teacher, module):
    lecture = module.lectures.get(order=0)

    response = teacher.post(
        edit_url(lecture), lecture_data(module, title="Changed", body="_hi_", preview="1")
    )

    assert response.status_code == 200
    assert "<em>hi</em>" in str(response.context["preview"])
    lecture.refresh_from_db()
    assert lecture.title != "Changed"


# -- video links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "provider", "video_id"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "vimeo", "76979871"),
        ("https://player.vimeo.com/video/76979871", "vimeo", "76979871"),
    ],
)
def test_video_link_is_stored_as_provider_and_id(teacher, module, link, provider, video_id):
    response = teacher.post(
        create_url(module), lecture_data(module, kind="video", body="", video_url=link)
    )

    assert response.status_code == 302
    lecture = module.lectures.get(title="New lecture")
    assert (lecture.video_provider, lecture.video_id) == (provider, video_id)
    assert not lecture.video_file


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example.com/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)",
        "https://www.youtube.com/watch?v=short",
        "not a url",
    ],
)
def test_bad_video_link_is_a_form_error(teacher, module, link):
    response = teacher.post(create_url(module), lecture_data(module, kind="video", video_url=link))

    assert response.status_code == 400
    assert "Enter a YouTube or Vimeo video link." in response.content.decode()
    assert module.lectures.count() == 3


def test_video_lecture_needs_a_link_or_an_upload(teacher, module):
    response = teacher.post(create_url(module), lecture_data(module, kind="video"))

    assert response.status_code == 400
    assert "needs an uploaded video or a YouTube/Vimeo link" in response.content.decode()


def test_edit_form_shows_the_current_link(teacher, module):
    lecture = module.lectures.get(order=0)
    Lecture.objects.filter(pk=lecture.pk).update(
        kind="video", video_provider="vimeo", video_id="76979871"
    )

    response = teacher.get(edit_url(lecture))

    assert 'value="https://vimeo.com/76979871"' in response.content.decode()


def test_switching_to_text_drops_the_video_reference(teacher, module):
    lecture = module.lectures.get(order=0)
    Lecture.objects.filter(pk=lecture.pk).update(
        kind="video", video_provider="vimeo", video_id="76979871"
    )

    teacher.post(edit_url(lecture), lecture_data(module, kind="text"))

    lecture.refresh_from_db()
    assert (lecture.kind, lecture.video_provider, lecture.video_id) == ("text", "", "")


# -- uploads (local private storage) ------------------------------------------------------------


def test_video_upload_goes_to_private_storage(teacher, module):
    response = teacher.post(
        create_url(module),
        lecture_data(
            module,
            kind="video",
            video_file=SimpleUploadedFile("intro.mp4", MP4),
            attachment=SimpleUploadedFile("notes.pdf", PDF),
        ),
    )

    assert response.status_code == 302
    lecture = module.lectures.get(title="New lecture")
    private = storages["private"]
    assert lecture.video_file.storage.location == private.location
    assert private.exists(lecture.video_file.name)
    assert private.exists(lecture.attachment.name)
    assert lecture.video_file.name.startswith("lectures/videos/intro")


def test_html_disguised_as_mp4_is_rejected_and_not_stored(teacher, module):
    response = teacher.post(
        create_url(module),
        lecture_data(module, kind="video", video_file=SimpleUploadedFile("clip.mp4", HTML)),
    )

    assert response.status_code == 400
    assert "HTML, SVG and XML files are not allowed." in response.content.decode()
    assert module.lectures.count() == 3
    assert stored_files(storages["private"], "lectures/videos") == []


def test_bad_attachment_is_rejected_and_nothing_is_stored(teacher, module):
    response = teacher.post(
        create_url(module),
        lecture_data(
            module,
            kind="video",
            video_file=SimpleUploadedFile("good.mp4", MP4),
            attachment=SimpleUploadedFile("notes.pdf", b"MZ\x90\x00 not a pdf"),
        ),
    )

    assert response.status_code == 400
    assert module.lectures.count() == 3
    assert stored_files(storages["private"], "lectures/videos") == []
    assert stored_files(storages["private"], "lectures/attachments") == []


def test_oversized_video_is_rejected(teacher, module, settings):
    settings.UPLOAD_MAX_VIDEO_MB = 0.0001  # about 100 bytes

    response = teacher.post(
        create_url(module),
        lecture_data(
            module, kind="video", video_file=SimpleUploadedFile("big.mp4", MP4 + b"\0" * 200)
        ),
    )

    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert stored_files(storages["private"], "lectures/videos") == []


def test_link_replaces_an_uploaded_video_and_the_file_is_deleted(
    teacher, module, django_capture_on_commit_callbacks
):
    teacher.post(
        create_url(module),
        lecture_data(module, kind="video", video_file=SimpleUploadedFile("a.mp4", MP4)),
    )
    lecture = module.lectures.get(title="New lecture")
    old_name = lecture.video_file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = teacher.post(
            edit_url(lecture),
            lecture_data(module, kind="video", video_url="https://youtu.be/dQw4w9WgXcQ"),
        )

    assert response.status_code == 302
    lecture.refresh_from_db()
    assert not lecture.video_file and lecture.video_id == "dQw4w9WgXcQ"
    assert not storages["private"].exists(old_name)


def test_upload_replaces_the_shown_link(teacher, module):
    lecture = module.lectures.get(order=0)
    Lecture.objects.filter(pk=lecture.pk).update(
        kind="video", video_provider="youtube", video_id="dQw4w9WgXcQ"
    )

    response = teacher.post(
        edit_url(lecture),
        lecture_data(
            module,
            kind="video",
            video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",  # the current link, shown
            video_file=SimpleUploadedFile("new.mp4", MP4),
        ),
    )

    assert response.status_code == 302
    lecture.refresh_from_db()
    assert lecture.video_file and (lecture.video_provider, lecture.video_id) == ("", "")


def test_new_link_and_upload_together_are_refused(teacher, module):
    response = teacher.post(
        create_url(module),
        lecture_data(
            module,
            kind="video",
            video_url="https://youtu.be/dQw4w9WgXcQ",
            video_file=SimpleUploadedFile("new.mp4", MP4),
        ),
    )

    assert response.status_code == 400
    assert "not both" in response.content.decode()
    assert stored_files(storages["private"], "lectures/videos") == []


def test_remove_attachment(teacher, module, django_capture_on_commit_callbacks):
    teacher.post(
        create_url(module), lecture_data(module, attachment=SimpleUploadedFile("n.pdf", PDF))
    )
    lecture = module.lectures.get(title="New lecture")
    name = lecture.attachment.name

    with django_capture_on_commit_callbacks(execute=True):
        teacher.post(edit_url(lecture), lecture_data(module, remove_attachment="on"))

    lecture.refresh_from_db()
    assert not lecture.attachment
    assert not storages["private"].exists(name)


def test_deleting_a_lecture_deletes_its_files(teacher, module, django_capture_on_commit_callbacks):
    teacher.post(
        create_url(module),
        lecture_data(module, kind="video", video_file=SimpleUploadedFile("a.mp4", MP4)),
    )
    lecture = module.lectures.get(title="New lecture")
    name = lecture.video_file.name

    with django_capture_on_commit_callbacks(execute=True):
        teacher.post(reverse("teach:lecture_delete", args=[module.course.slug, lecture.pk]))

    assert not storages["private"].exists(name)


# -- Cloudinary ------------------------------------------------------------------------------


def test_video_upload_goes_to_cloudinary_as_private_video(teacher, module, cloudinary_media):
    response = teacher.post(
        create_url(module),
        lecture_data(module, kind="video", video_file=SimpleUploadedFile("intro.mp4", MP4)),
    )

    assert response.status_code == 302
    lecture = module.lectures.get(title="New lecture")
    name = lecture.video_file.name
    assert name.startswith("video/lectures/videos/intro") and name.endswith(".mp4")
    (key,) = cloudinary_media.uploads
    assert key == ("video", "authenticated", name.removeprefix("video/").removesuffix(".mp4"))
    assert cloudinary_media.uploads[key]["data"] == MP4
    url = lecture.video_file.url
    assert url.startswith("https://res.cloudinary.com/edu/video/authenticated/")
    assert SIGNED.search(url)


def test_cloudinary_failure_is_a_form_error_and_no_record(teacher, module, cloudinary_media):
    cloudinary_media.fail_next(status=500, message="Cloudinary is down")

    response = teacher.post(
        create_url(module),
        lecture_data(module, kind="video", video_file=SimpleUploadedFile("intro.mp4", MP4)),
    )

    assert response.status_code == 503
    assert "could not be stored" in response.content.decode()
    assert module.lectures.count() == 3
    assert cloudinary_media.uploads == {}


def test_a_failed_upload_while_editing_keeps_the_lectures_other_files(
    teacher, module, cloudinary_media
):
    teacher.post(
        create_url(module),
        lecture_data(module, title="With notes", attachment=SimpleUploadedFile("n.pdf", PDF)),
    )
    lecture = module.lectures.get(title="With notes")
    kept = lecture.attachment.name
    assert len(cloudinary_media.uploads) == 1
    cloudinary_media.fail_next(status=500, message="Cloudinary is down")

    response = teacher.post(
        edit_url(lecture),
        lecture_data(
            module,
            title="With notes",
            kind="video",
            video_file=SimpleUploadedFile("intro.mp4", MP4),
        ),
    )

    assert response.status_code == 503
    lecture.refresh_from_db()
    assert lecture.attachment.name == kept
    assert len(cloudinary_media.uploads) == 1  # the notes are still stored

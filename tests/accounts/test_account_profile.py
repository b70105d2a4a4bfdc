import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import Role

URL = reverse("accounts:profile")


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_profile_page_shows_only_name_avatar_and_phone(client, student):
    client.force_login(student)
    html = client.get(URL).content.decode()
    for field in ("name", "avatar", "phone"):
        assert f'name="{field}"' in html
    for field in ("role", "email", "is_staff", "is_superuser"):
        assert f'name="{field}"' not in html


@pytest.mark.django_db
def test_profile_edits_own_fields_and_ignores_everything_else(client, student):
    client.force_login(student)
    response = client.post(
        URL,
        {
            "name": "New Name",
            "phone": "+44 20 7946 0958",
            "role": Role.ADMIN,
            "is_staff": "on",
            "is_superuser": "on",
            "email": "takeover@example.com",
        },
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert (student.name, student.phone) == ("New Name", "+44 20 7946 0958")
    assert student.role == Role.STUDENT
    assert not student.is_staff and not student.is_superuser
    assert student.email != "takeover@example.com"


@pytest.mark.django_db
def test_profile_edits_only_the_logged_in_user(client, student, instructor):
    client.force_login(student)
    client.post(URL, {"name": "Changed", "phone": "", "id": instructor.pk, "pk": instructor.pk})
    instructor.refresh_from_db()
    assert instructor.name != "Changed"


@pytest.mark.django_db
def test_bad_phone_shows_an_error(client, student):
    client.force_login(student)
    response = client.post(URL, {"name": "X", "phone": "<script>"})
    assert response.status_code == 200
    assert "phone number" in response.content.decode()


@pytest.mark.django_db
def test_avatar_must_be_an_image(client, student):
    client.force_login(student)
    fake = SimpleUploadedFile("avatar.png", b"#!/bin/sh\necho not an image\n", "image/png")
    response = client.post(URL, {"name": "X", "phone": "", "avatar": fake})
    assert response.status_code == 200
    assert response.context["form"].errors["avatar"]
    student.refresh_from_db()
    assert not student.avatar


@pytest.mark.django_db
def test_avatar_image_is_saved(client, student):
    client.force_login(student)
    image = SimpleUploadedFile("me.png", png_bytes(), "image/png")
    response = client.post(URL, {"name": "X", "phone": "", "avatar": image})
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.avatar.name.startswith("avatars/")


@pytest.mark.django_db
def test_the_name_on_certificates_is_set_on_the_profile(client, student):
    client.force_login(student)
    assert 'name="certificate_name"' in client.get(URL).content.decode()
    client.post(URL, {"name": "Sam", "certificate_name": "Samantha J. Student"})
    student.refresh_from_db()
    assert student.name_on_certificates == "Samantha J. Student"
    client.post(URL, {"name": "Sam", "certificate_name": "   "})
    student.refresh_from_db()
    assert student.name_on_certificates == "Sam"  # empty: the account's name


@pytest.mark.django_db
def test_a_cloudinary_failure_on_a_new_photo_is_a_form_error_and_saves_nothing(
    client, student, cloudinary_media
):
    """A photo Cloudinary cannot take is a 503 with a form error; nothing is saved."""
    client.force_login(student)
    cloudinary_media.fail_next(status=500, message="Cloudinary is down")
    photo = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = client.post(URL, {"name": "New Name", "avatar": photo})
    assert response.status_code == 503
    assert "The file could not be stored" in response.content.decode()
    student.refresh_from_db()
    assert student.name != "New Name" and not student.avatar


@pytest.mark.django_db
def test_a_refused_change_leaves_the_page_header_with_the_saved_name(client, student):
    """A profile form with errors shows the typed name in the form, the saved one elsewhere."""
    client.force_login(student)
    response = client.post(URL, {"name": "Unsaved Name", "phone": "not a phone"})
    assert response.status_code == 200
    html = response.content.decode()
    header = html.split("</header>", 1)[0]
    assert "Unsaved Name" not in header and student.display_name in header
    assert 'value="Unsaved Name"' in html  # the form keeps what was typed

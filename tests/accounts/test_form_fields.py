"""Form fields as people meet them: rules shown once, a photo picker with a preview."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.accounts.test_account_profile import png_bytes
from tests.factories import InstructorFactory, StudentFactory

pytestmark = pytest.mark.django_db

RULE = "at least 8 characters"


def test_password_rules_are_listed_once_before_anything_is_typed(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert html.count(RULE) == 1
    assert 'aria-describedby="id_password1_helptext"' in html


def test_a_broken_rule_is_said_once_as_an_error_not_also_as_help(client):
    response = client.post(
        reverse("account_signup"),
        {"name": "Ada", "email": "ada@example.com", "password1": "short", "password2": "short"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(RULE) == 1
    assert 'id="id_password1_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_password1_helptext"' not in html


def test_the_profile_photo_field_shows_the_initial_then_the_photo(
    client, django_capture_on_commit_callbacks
):
    student = StudentFactory(name="Ada Lovelace")
    client.force_login(student)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "data-avatar-field" in html
    assert re.search(r"data-avatar-placeholder>A</span>", html)
    assert "Currently" not in html and "Change:" not in html  # not Django's raw widget
    assert "js/avatar.js" in html
    # The cached user moves on once the change commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:profile"),
            {
                "name": "Ada Lovelace",
                "phone": "",
                "avatar": SimpleUploadedFile("me.png", png_bytes()),
            },
        )
    assert response.status_code == 302
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'alt="Your current photo"' in html
    assert "Remove my photo" in html
    client.post(
        reverse("accounts:profile"), {"name": "Ada Lovelace", "phone": "", "avatar-clear": "on"}
    )
    student.refresh_from_db()
    assert not student.avatar


def test_only_instructors_and_admins_write_a_bio(client):
    student = StudentFactory()
    client.force_login(student)
    assert 'name="bio"' not in client.get(reverse("accounts:profile")).content.decode()
    client.post(reverse("accounts:profile"), {"name": "S", "phone": "", "bio": "Hello"})
    student.refresh_from_db()
    assert student.bio == ""
    instructor = InstructorFactory()
    client.force_login(instructor)
    assert 'name="bio"' in client.get(reverse("accounts:profile")).content.decode()
    client.post(reverse("accounts:profile"), {"name": "I", "phone": "", "bio": "I teach."})
    instructor.refresh_from_db()
    assert instructor.bio == "I teach."

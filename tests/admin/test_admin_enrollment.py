"""Granting an enrollment in the admin: students and courses picked by name, not by id."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.factories import CourseFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_the_grant_form_picks_students_and_courses_by_autocomplete(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:progress_enrollment_add")).content.decode()
    for field in ("student", "course"):
        assert f'name="{field}"' in html
        assert f'data-field-name="{field}"' in html  # Django's autocomplete widget
    assert 'class="vForeignKeyRawIdAdminField"' not in html
    # An admin's grant is the default source.
    assert '<option value="admin" selected>' in html


def test_the_autocomplete_finds_a_student_by_name_and_a_course_by_title(client, admin_user):
    client.force_login(admin_user)
    ada = StudentFactory(name="Ada Lovelace")
    StudentFactory(name="Grace Hopper")
    course = CourseFactory(title="Analytical Engines")
    CourseFactory(title="Gardening")

    def search(field, term):
        query = {"app_label": "progress", "model_name": "enrollment", "field_name": field}
        response = client.get(reverse("admin:autocomplete"), {**query, "term": term})
        assert response.status_code == 200
        return {int(result["id"]) for result in response.json()["results"]}

    assert search("student", "lovelace") == {ada.pk}
    assert search("course", "engines") == {course.pk}


def test_the_autocomplete_is_for_admins_only(client, student):
    client.force_login(student)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "progress", "model_name": "enrollment", "field_name": "student", "term": "a"},
    )
    assert response.status_code in (302, 403)


def test_one_accounts_section_with_addresses_and_authenticators_on_the_user(client, admin_user):
    client.force_login(admin_user)
    index = client.get(reverse("admin:index")).content.decode()
    assert index.count(">Accounts</a>") == 1
    assert "/admin/account/emailaddress/" not in index
    assert "/admin/mfa/authenticator/" not in index
    student = StudentFactory(email="ada@example.com")
    EmailAddress.objects.create(user=student, email="new@example.com", verified=False)
    Authenticator.objects.create(user=student, type=Authenticator.Type.TOTP, data={})
    change = client.get(reverse("admin:accounts_user_change", args=[student.pk])).content.decode()
    assert "new@example.com" in change
    assert "Two-factor authenticators" in change

"""Users in the admin: role changes go through the role rules, accounts are deactivated."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import Role, User
from notifications.models import Notification
from tests.admin.helpers import admin_form_data
from tests.factories import PASSWORD, AdminFactory, StudentFactory


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def change_url(user):
    return f"/admin/accounts/user/{user.pk}/change/"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_change_form_has_no_staff_or_permission_fields(admin_client, student):
    html = admin_client.get(change_url(student)).content.decode()
    assert 'name="role"' in html
    for field in ("is_staff", "is_superuser", "groups", "user_permissions"):
        assert f'name="{field}"' not in html


@pytest.mark.django_db
def test_admin_promotes_a_student_to_instructor(admin_client, student):
    page = admin_client.get(change_url(student))
    response = admin_client.post(change_url(student), admin_form_data(page, role=Role.INSTRUCTOR))
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.role == Role.INSTRUCTOR
    assert not student.is_staff
    assert Notification.objects.filter(
        recipient=student, kind=Notification.Kind.ROLE_CHANGED
    ).exists()


@pytest.mark.django_db
def test_admin_promotes_to_admin_and_staff_flags_follow(admin_client, instructor):
    page = admin_client.get(change_url(instructor))
    admin_client.post(change_url(instructor), admin_form_data(page, role=Role.ADMIN))
    instructor.refresh_from_db()
    assert instructor.role == Role.ADMIN
    assert instructor.is_staff and instructor.is_superuser


@pytest.mark.django_db
def test_posted_staff_flags_are_ignored(admin_client, student):
    page = admin_client.get(change_url(student))
    data = admin_form_data(page, name="Renamed", is_staff="on", is_superuser="on")
    assert admin_client.post(change_url(student), data).status_code == 302
    student.refresh_from_db()
    assert student.name == "Renamed"
    assert not student.is_staff and not student.is_superuser


@pytest.mark.django_db
def test_last_admin_cannot_demote_themselves_in_the_admin(admin_client, admin_user):
    page = admin_client.get(change_url(admin_user))
    response = admin_client.post(change_url(admin_user), admin_form_data(page, role=Role.STUDENT))
    assert response.status_code == 200
    assert "last active admin" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


@pytest.mark.django_db
def test_admin_cannot_deactivate_themselves_in_the_change_form(admin_client, admin_user):
    AdminFactory()
    page = admin_client.get(change_url(admin_user))
    data = admin_form_data(page)
    data.pop("is_active")
    response = admin_client.post(change_url(admin_user), data)
    assert response.status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.is_active


@pytest.mark.django_db
def test_deactivate_action(admin_client, admin_user):
    students = StudentFactory.create_batch(2)
    response = admin_client.post(
        "/admin/accounts/user/",
        {
            "action": "deactivate_users",
            "_selected_action": [s.pk for s in students] + [admin_user.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert not User.objects.filter(pk__in=[s.pk for s in students], is_active=True).exists()
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert "cannot deactivate your own account" in response.content.decode()


@pytest.mark.django_db
def test_users_cannot_be_deleted(admin_client, student):
    assert admin_client.get(f"/admin/accounts/user/{student.pk}/delete/").status_code == 403
    assert User.objects.filter(pk=student.pk).exists()


@pytest.mark.django_db
def test_admin_adds_an_instructor(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Teacher@Example.com",
            "name": "New Teacher",
            "role": Role.INSTRUCTOR,
            "usable_password": "true",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.teacher@example.com")
    assert user.role == Role.INSTRUCTOR
    assert not user.is_staff
    assert user.check_password("a-long-enough-passphrase")


UNDELIVERABLE = "ada@\ufffd.example"  # EmailValidator accepts it; its domain has no IDNA form


@pytest.mark.django_db
def test_admin_cannot_add_a_user_with_an_address_no_email_can_reach(admin_client):
    """The admin's add form refuses an address mail cannot be sent to."""
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": UNDELIVERABLE,
            "name": "New Teacher",
            "role": Role.STUDENT,
            "usable_password": "true",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 200
    assert "No email can be sent to this address" in response.content.decode()
    assert not User.objects.filter(email=UNDELIVERABLE).exists()


@pytest.mark.django_db
def test_admin_cannot_change_an_address_to_one_no_email_can_reach(admin_client, student):
    """The admin's change form refuses an address mail cannot be sent to."""
    page = admin_client.get(change_url(student))
    response = admin_client.post(change_url(student), admin_form_data(page, email=UNDELIVERABLE))
    assert response.status_code == 200
    assert "No email can be sent to this address" in response.content.decode()
    assert User.objects.get(pk=student.pk).email == student.email


@pytest.mark.django_db
def test_an_address_the_admin_replaced_no_longer_signs_in_or_resets_the_password(
    admin_client, mailoutbox
):
    """The old address of an account whose address an admin changed gives no access to it."""
    user = StudentFactory(email="old@example.com")
    EmailAddress.objects.create(user=user, email="old@example.com", verified=True, primary=True)
    page = admin_client.get(change_url(user))
    response = admin_client.post(change_url(user), admin_form_data(page, email="new@example.com"))
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).email == "new@example.com"
    assert not EmailAddress.objects.filter(user=user, email="old@example.com").exists()
    admin_client.logout()
    admin_client.post(reverse("account_reset_password"), {"email": "old@example.com"})
    assert not [m for m in mailoutbox if "password/reset/key" in m.body]
    login = {"login": "old@example.com", "password": PASSWORD}
    assert admin_client.post(reverse("account_login"), login).status_code == 200  # refused


@pytest.mark.django_db
def test_admin_sets_a_users_password(admin_client, student):
    url = f"/admin/accounts/user/{student.pk}/password/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "usable_password": "true",
            "password1": "fresh-passphrase-77",
            "password2": "fresh-passphrase-77",
        },
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.check_password("fresh-passphrase-77")


@pytest.mark.django_db
def test_user_search_and_role_filter(admin_client, instructor, student):
    response = admin_client.get("/admin/accounts/user/", {"role": Role.INSTRUCTOR})
    emails = {u.email for u in response.context["cl"].result_list}
    assert instructor.email in emails and student.email not in emails
    response = admin_client.get("/admin/accounts/user/", {"q": student.name})
    assert [u.email for u in response.context["cl"].result_list] == [student.email]


@pytest.mark.django_db
def test_a_cloudinary_failure_on_a_new_avatar_is_a_message_not_a_500(
    admin_client, student, cloudinary_media
):
    """A photo Cloudinary cannot take brings the admin back to the form with a message."""
    page = admin_client.get(change_url(student))
    photo = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    cloudinary_media.fail_next(status=500, message="Cloudinary is down")
    data = admin_form_data(page, name="Renamed", avatar=photo)
    response = admin_client.post(change_url(student), data, follow=True)
    assert response.redirect_chain == [(change_url(student), 302)]
    assert "The file could not be stored" in response.content.decode()
    student.refresh_from_db()
    assert student.name != "Renamed" and not student.avatar

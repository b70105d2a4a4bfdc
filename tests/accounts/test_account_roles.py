import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from accounts.services import user_active_set, user_role_set
from notifications.models import Notification
from tests.factories import AdminFactory


@pytest.mark.django_db
@pytest.mark.parametrize("actor_fixture", ["student", "instructor"])
def test_only_admins_change_roles(request, actor_fixture, student):
    actor = request.getfixturevalue(actor_fixture)
    with pytest.raises(PermissionDenied):
        user_role_set(actor=actor, user=actor, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        user_role_set(actor=actor, user=student, role=Role.INSTRUCTOR)
    actor.refresh_from_db()
    assert actor.role == actor_fixture
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_deactivated_admin_cannot_change_roles(admin_user, student):
    AdminFactory()
    admin_user.is_active = False
    admin_user.save()
    with pytest.raises(PermissionDenied):
        user_role_set(actor=admin_user, user=student, role=Role.INSTRUCTOR)


@pytest.mark.django_db
def test_promotion_to_admin_sets_staff_flags_and_notifies(admin_user, student):
    user_role_set(actor=admin_user, user=student, role=Role.ADMIN)
    student.refresh_from_db()
    assert student.role == Role.ADMIN
    assert student.is_staff and student.is_superuser
    notification = Notification.objects.get(recipient=student)
    assert notification.kind == Notification.Kind.ROLE_CHANGED


@pytest.mark.django_db
def test_demotion_clears_staff_flags(admin_user):
    other = AdminFactory()
    user_role_set(actor=admin_user, user=other, role=Role.INSTRUCTOR)
    other.refresh_from_db()
    assert other.role == Role.INSTRUCTOR
    assert not other.is_staff and not other.is_superuser


@pytest.mark.django_db
def test_setting_the_same_role_changes_nothing(admin_user, instructor):
    user_role_set(actor=admin_user, user=instructor, role=Role.INSTRUCTOR)
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_unknown_role_is_rejected(admin_user, student):
    with pytest.raises(ValidationError):
        user_role_set(actor=admin_user, user=student, role="superuser")


@pytest.mark.django_db
def test_last_active_admin_cannot_demote_themselves(admin_user):
    with pytest.raises(ValidationError):
        user_role_set(actor=admin_user, user=admin_user, role=Role.STUDENT)
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN and admin_user.is_staff


@pytest.mark.django_db
def test_an_inactive_admin_does_not_count_as_a_remaining_admin(admin_user):
    AdminFactory(is_active=False)
    with pytest.raises(ValidationError):
        user_role_set(actor=admin_user, user=admin_user, role=Role.STUDENT)


@pytest.mark.django_db
def test_an_admin_may_step_down_while_another_admin_remains(admin_user):
    AdminFactory()
    user_role_set(actor=admin_user, user=admin_user, role=Role.INSTRUCTOR)
    admin_user.refresh_from_db()
    assert admin_user.role == Role.INSTRUCTOR and not admin_user.is_staff


@pytest.mark.django_db
def test_admins_cannot_deactivate_themselves_or_the_last_admin(admin_user, student):
    with pytest.raises(ValidationError):
        user_active_set(actor=admin_user, user=admin_user, is_active=False)
    user_active_set(actor=admin_user, user=student, is_active=False)
    student.refresh_from_db()
    assert not student.is_active


@pytest.mark.django_db
def test_students_cannot_deactivate_anyone(student, instructor):
    with pytest.raises(PermissionDenied):
        user_active_set(actor=student, user=instructor, is_active=False)


def test_an_admin_demoted_a_moment_ago_cannot_act_on_the_old_role(admin_user, student):
    AdminFactory()  # another admin remains, so the demotion itself is allowed
    stale = type(admin_user).objects.get(pk=admin_user.pk)  # loaded before the demotion
    user_role_set(actor=AdminFactory(), user=admin_user, role=Role.STUDENT)

    with pytest.raises(PermissionDenied):
        user_role_set(actor=stale, user=student, role=Role.INSTRUCTOR)
    with pytest.raises(PermissionDenied):
        user_active_set(actor=stale, user=student, is_active=False)
    student.refresh_from_db()
    assert (student.role, student.is_active) == (Role.STUDENT, True)

"""Writes of the accounts app: role changes and deactivation, which only admins may make."""

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications.models import Notification
from notifications.services import notify


def _require_admin(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.is_admin):
        raise PermissionDenied(_("Only admins may change roles or deactivate accounts."))


def _lock_admins_and(*, actor: User, user: User) -> User:
    """Lock every active admin and `user`; the actor must still be an active admin then.

    Two admins changing each other at once must not both succeed, and an admin demoted by
    someone else a moment ago must not act on a role they no longer have.
    """
    admins = set(
        User.objects.select_for_update()
        .filter(role=Role.ADMIN, is_active=True)
        .values_list("pk", flat=True)
    )
    if actor.pk not in admins:
        raise PermissionDenied(_("Only admins may change roles or deactivate accounts."))
    return User.objects.select_for_update().get(pk=user.pk)


def _would_remove_last_admin(user: User) -> bool:
    """True if `user` is the only active admin, so losing them would lock everyone out."""
    if not (user.is_admin and user.is_active):
        return False
    return not User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists()


def user_role_check(*, actor: User, user: User, role: str) -> None:
    """Raise PermissionDenied/ValidationError if `actor` may not give `user` this role.

    Forms call it for a friendly error; user_role_set calls it again under a lock.
    """
    _require_admin(actor)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if role != Role.ADMIN and _would_remove_last_admin(user):
        raise ValidationError({"role": _("The last active admin cannot lose the admin role.")})


@transaction.atomic
def user_role_set(*, actor: User, user: User, role: str) -> User:
    """Give `user` a role, keeping Django's staff flags in step, and tell them."""
    locked = _lock_admins_and(actor=actor, user=user)
    user_role_check(actor=actor, user=locked, role=role)
    if locked.role == role:
        return locked
    # Course assignments are kept when someone stops being an instructor: re-granting the role
    # restores them, the course keeps its listed teacher, and the instructor workspace admits
    # only users who have the instructor role as well as the assignment.
    locked.set_role(role)
    locked.save(update_fields=["role", "is_staff", "is_superuser"])
    notify(
        recipient=locked,
        kind=Notification.Kind.ROLE_CHANGED,
        title=_("Your role is now: %(role)s") % {"role": locked.get_role_display()},
        link="/teach/" if role in (Role.INSTRUCTOR, Role.ADMIN) else "/learn/",
    )
    user.role, user.is_staff, user.is_superuser = locked.role, locked.is_staff, locked.is_superuser
    return locked


def user_active_check(*, actor: User, user: User, is_active: bool) -> None:
    _require_admin(actor)
    if is_active:
        return
    if user.pk == actor.pk:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    if _would_remove_last_admin(user):
        raise ValidationError({"is_active": _("The last active admin cannot be deactivated.")})


@transaction.atomic
def user_active_set(*, actor: User, user: User, is_active: bool) -> User:
    """Activate or deactivate an account. Accounts are deactivated, never deleted, so their
    orders and enrollments stay on record."""
    locked = _lock_admins_and(actor=actor, user=user)
    user_active_check(actor=actor, user=locked, is_active=is_active)
    if locked.is_active != is_active:
        locked.is_active = is_active
        locked.save(update_fields=["is_active"])
    user.is_active = locked.is_active
    return locked


# Email addresses. An account signs in with one address (User.email); a change of address
# waits as one unverified, non-primary EmailAddress until it is verified, then replaces it.


def email_is_claimed(email: str) -> bool:
    """True if an account signs in with `email`, or has verified it.

    Another account's pending (unverified) change to it claims nothing: anyone can type
    someone else's address, and it must not stop its owner from signing up.
    """
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email, verified=True).exists()
    )


def email_is_another_accounts_login(email_address) -> bool:
    """True if the address `email_address` would verify is another account's sign-in address."""
    return (
        User.objects.filter(email__iexact=email_address.email)
        .exclude(pk=email_address.user_id)
        .exists()
    )


def email_pending_elsewhere_drop(email_address) -> int:
    """Drop other accounts' pending changes to a just-verified address: it is taken now."""
    deleted, _rows = (
        EmailAddress.objects.filter(email__iexact=email_address.email, verified=False)
        .exclude(user_id=email_address.user_id)
        .delete()
    )
    return deleted


def email_pending_drop(user: User) -> int:
    """Drop `user`'s pending change of address (before asking for another one)."""
    deleted, _rows = EmailAddress.objects.filter(
        user_id=user.pk, verified=False, primary=False
    ).delete()
    return deleted


def email_replaced(user: User) -> int:
    """After an admin replaced `user`'s sign-in address: drop every other address recorded
    for the account, so the old one neither signs in nor resets the password. The new one
    gets no record, as on an account an admin adds: allauth keeps one once it is verified."""
    deleted, _rows = (
        EmailAddress.objects.filter(user_id=user.pk).exclude(email__iexact=user.email).delete()
    )
    return deleted


@transaction.atomic
def email_change_complete(email_address) -> None:
    """Make a just-verified address the account's sign-in address, replacing the old one."""
    email_address.set_as_primary()
    EmailAddress.objects.filter(user_id=email_address.user_id).exclude(pk=email_address.pk).delete()

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Role, User
from accounts.services import (
    email_replaced,
    user_active_check,
    user_active_set,
    user_role_check,
    user_role_set,
)
from core.admin import ForgedKeysRefused, StorageFailureShown
from mail.validators import validate_deliverable

admin.site.site_header = _("Edu Sphere administration")
admin.site.site_title = _("Edu Sphere administration")
admin.site.index_title = _("Site administration")


class _ActorFormMixin:
    """The admin hands the logged-in user to the form, so the services' rules show as form
    errors in clean() instead of failing at save time. During clean() self.instance still
    holds the stored values."""

    actor: User | None = None

    def _check(self, check, field: str, value) -> None:
        try:
            check(actor=self.actor, user=self.instance, **{field: value})
        except ValidationError as error:
            for message in error.messages:
                self.add_error(field, message)
        except PermissionDenied as error:
            self.add_error(field, str(error))


class UserAddForm(_ActorFormMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "role")

    def clean_email(self):
        validate_deliverable(self.cleaned_data["email"])
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role"):
            self._check(user_role_check, "role", cleaned["role"])
        return cleaned


class UserEditForm(_ActorFormMixin, UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "password", "name", "phone", "avatar", "bio", "role", "is_active")

    def clean_email(self):
        validate_deliverable(self.cleaned_data["email"])
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean(self):
        cleaned = super().clean()
        if "role" in self.changed_data and cleaned.get("role"):
            self._check(user_role_check, "role", cleaned["role"])
        if "is_active" in self.changed_data:
            self._check(user_active_check, "is_active", cleaned.get("is_active", False))
        return cleaned


class EmailAddressInline(admin.TabularInline):
    """The account's address and any pending change (allauth's records), on the user's page
    instead of a second "Accounts" section."""

    model = EmailAddress
    fields = ("email", "verified", "primary")
    readonly_fields = ("email", "verified", "primary")
    extra = 0
    can_delete = True  # drops a pending change

    def has_add_permission(self, request, obj=None):
        return False


class AuthenticatorInline(admin.TabularInline):
    """Two-factor authenticators: an admin deletes them for someone who lost their phone."""

    model = Authenticator
    fields = ("type", "created_at", "last_used_at")
    readonly_fields = ("type", "created_at", "last_used_at")
    extra = 0
    verbose_name = _("two-factor authenticator")
    verbose_name_plural = _("two-factor authenticators")

    def has_add_permission(self, request, obj=None):
        return False


# Shown inline on the user instead: one "Accounts" section in the admin.
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(User)
class UserAdmin(ForgedKeysRefused, StorageFailureShown, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    inlines = [EmailAddressInline, AuthenticatorInline]

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("name", "phone", "avatar", "bio")}),
        (
            _("Access"),
            {
                "fields": ("role", "is_active"),
                "description": _(
                    "The role decides what the user may do; the admin role is the only one "
                    "that can open this panel."
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("email", "name", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active")
    search_fields = ("email", "name")
    ordering = ("email",)
    filter_horizontal = ()
    actions = ["deactivate_users"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new user has neither yet

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, not deleted: their orders and enrollments stay on record.
        return False

    def save_model(self, request, obj, form, change):
        # Role and active flag change only through the services, so their rules, the staff
        # flags and the notification always apply.
        if change:
            role, is_active = obj.role, obj.is_active
            obj.role, obj.is_active = form.initial["role"], form.initial["is_active"]
            super().save_model(request, obj, form, change)
            if "email" in form.changed_data:
                email_replaced(obj)
            if is_active != obj.is_active:
                user_active_set(actor=request.user, user=obj, is_active=is_active)
        else:
            role = obj.role
            obj.role = Role.STUDENT
            super().save_model(request, obj, form, change)
        if role != obj.role:
            user_role_set(actor=request.user, user=obj, role=role)

    @admin.action(description=_("Deactivate selected users"))
    def deactivate_users(self, request, queryset):
        done = 0
        for user in queryset.filter(is_active=True):
            try:
                user_active_set(actor=request.user, user=user, is_active=False)
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(error.messages) if isinstance(error, ValidationError) else error
                self.message_user(request, f"{user.email}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("Deactivated %d user.", "Deactivated %d users.", done) % done,
                messages.SUCCESS,
            )

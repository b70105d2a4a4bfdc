from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import cache
from core.uploads import validate_image_upload


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    INSTRUCTOR = "instructor", _("Instructor")
    ADMIN = "admin", _("Admin")


class UserManager(BaseUserManager.from_queryset(cache.TrackedQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.STUDENT)
        extra_fields.update(staff_flags_for(extra_fields["role"]))
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["role"] = Role.ADMIN
        return self.create_user(email, password, **extra_fields)


def staff_flags_for(role: str) -> dict:
    """The Django admin flags that go with a role."""
    is_admin = role == Role.ADMIN
    return {"is_staff": is_admin, "is_superuser": is_admin}


phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-]{6,20}$", _("Enter a phone number of digits, spaces, (), - and an optional +.")
)


class User(AbstractUser):
    """A person on the site. Email is the login; the role decides what they may do.

    The admin role and Django's is_staff/is_superuser flags move together (a database
    constraint holds it), so 'admin' means exactly 'may use the Django admin'.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    avatar = models.ImageField(
        _("avatar"), upload_to="avatars/", blank=True, validators=[validate_image_upload]
    )
    # max_length sizes the form field; the validator holds it for every full_clean().
    bio = models.TextField(
        _("bio"), blank=True, max_length=2000, validators=[MaxLengthValidator(2000)]
    )
    phone = models.CharField(_("phone"), max_length=24, blank=True, validators=[phone_validator])
    # Printed on certificates as it was when each was issued; empty: the name above.
    certificate_name = models.CharField(
        _("name on certificates"),
        max_length=150,
        blank=True,
        help_text=_("As it should appear on your certificates. Empty: your name."),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.STUDENT)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role=Role.ADMIN, is_staff=True, is_superuser=True))
                | (~Q(role=Role.ADMIN) & Q(is_staff=False, is_superuser=False)),
                name="user_admin_role_matches_staff_flags",
            ),
        ]
        indexes = [models.Index(fields=["role"], name="user_role_idx")]

    def __str__(self):
        return self.display_name

    def set_role(self, role: str) -> None:
        """Give this (unsaved) user `role` and the admin flags that go with it."""
        self.role = role
        for flag, value in staff_flags_for(role).items():
            setattr(self, flag, value)

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    @property
    def name_on_certificates(self) -> str:
        return self.certificate_name.strip() or self.display_name

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_instructor(self) -> bool:
        return self.role == Role.INSTRUCTOR

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT


# The logged-in user's row is read from the cache on every request (accounts.backends).
USER_VERSIONS = cache.Family("user")
cache.track(User, USER_VERSIONS, "pk")

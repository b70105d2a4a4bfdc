from django.apps import AppConfig


class TeachingConfig(AppConfig):
    """The instructor workspace (/teach/): assigned courses, their modules and lectures."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "teaching"

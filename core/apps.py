from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared code with no business rules: the cache layer, storage, upload checks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self):
        from core import checks  # noqa: F401  (registers the system checks)

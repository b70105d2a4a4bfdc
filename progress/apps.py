from django.apps import AppConfig


class ProgressConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "progress"

    def ready(self):
        from progress import learner_cache  # noqa: F401  (its receivers keep cached progress right)

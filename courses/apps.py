from django.apps import AppConfig


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"

    def ready(self):
        # Connects the signal receivers that keep cached public pages fresh.
        from courses import page_cache  # noqa: F401

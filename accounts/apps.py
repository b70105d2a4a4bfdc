from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        # The system check, and the receivers that keep cached users right.
        from accounts import checks, user_cache  # noqa: F401

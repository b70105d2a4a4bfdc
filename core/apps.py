from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared code with no business rules: the cache layer, storage, upload checks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self):
        from django.db.models.signals import post_migrate

        from core import checks  # noqa: F401  (registers the system checks)
        from core.sites import site_sync

        # After sites' own receiver (it is listed before core), so its default row is there.
        post_migrate.connect(site_sync, sender=self, dispatch_uid="core.sites.site_sync")
        # The Site row follows the settings; an edit in the admin would be undone on migrate.
        from django.contrib import admin
        from django.contrib.sites.models import Site

        if admin.site.is_registered(Site):
            admin.site.unregister(Site)

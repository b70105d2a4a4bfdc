"""The sites framework's one row follows the settings: name SITE_NAME, domain SITE_URL's
host[:port]. allauth greets with it ("Hello from Edu Sphere!") and titles its email with it.

Kept in step on every `migrate` (a post_migrate receiver, see CoreConfig.ready), so a fresh
database has it and a changed setting reaches the row at the next deploy.
"""

from urllib.parse import urlsplit

from django.apps import apps as global_apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, router


def site_domain() -> str:
    """SITE_URL's host, with its port when it names one (`127.0.0.1:8000`)."""
    return urlsplit(settings.SITE_URL).netloc


def site_sync(*, using: str = DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """Give the SITE_ID row the configured name and domain (a post_migrate receiver)."""
    try:
        Site = apps.get_model("sites", "Site")
    except LookupError:  # sites not installed, or migrated back to zero
        return
    if not router.allow_migrate_model(using, Site):
        return
    wanted = {"domain": site_domain(), "name": settings.SITE_NAME}
    site = Site.objects.using(using).filter(pk=settings.SITE_ID).first()
    if site is None:
        if not Site.objects.using(using).exists():
            # Django's own first row (it also moves PostgreSQL's id sequence past it).
            from django.contrib.sites.management import create_default_site

            create_default_site(
                global_apps.get_app_config("sites"), verbosity=0, using=using, apps=apps
            )
        site, _ = Site.objects.using(using).get_or_create(pk=settings.SITE_ID, defaults=wanted)
    if any(getattr(site, name) != value for name, value in wanted.items()):
        for name, value in wanted.items():
            setattr(site, name, value)
        site.save(using=using)
    # Each process keeps the current site in memory; this one must not keep the old one.
    from django.contrib.sites.models import Site as CurrentSite

    CurrentSite.objects.clear_cache()


def absolute_url(path: str) -> str:
    """`path` (a local path such as "/learn/") as an absolute URL on SITE_URL, for links
    made outside a request: emails, credentials, certificates."""
    return settings.SITE_URL.rstrip("/") + path

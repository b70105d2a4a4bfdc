"""The sites framework's row follows SITE_NAME and SITE_URL, and allauth's email uses it."""

import pytest
from django.contrib.sites.models import Site
from django.core.management import call_command

from core.sites import site_sync
from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_site_cache():
    # The current site is cached per process; a row rolled back with a test must not stay.
    Site.objects.clear_cache()
    yield
    Site.objects.clear_cache()


def test_after_migrate_the_current_site_is_the_configured_one(settings):
    site = Site.objects.get_current()
    assert site.pk == settings.SITE_ID
    assert site.name == settings.SITE_NAME
    assert site.domain == settings.SITE_URL.split("://", 1)[1]


def test_migrate_brings_the_row_in_step_with_changed_settings(settings):
    Site.objects.get_current()  # cached in this process before the change
    settings.SITE_URL = "https://learn.example.org:8443"
    settings.SITE_NAME = "Acme Academy"
    call_command("migrate", verbosity=0)
    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("learn.example.org:8443", "Acme Academy")
    assert Site.objects.count() == 1


def test_a_port_is_only_named_when_site_url_names_one(settings):
    settings.SITE_URL = "https://learn.example.org"
    site_sync()
    assert Site.objects.get_current().domain == "learn.example.org"


def test_a_missing_row_is_made_again(settings):
    Site.objects.all().delete()
    site_sync()
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.name == settings.SITE_NAME


def test_account_email_greets_with_the_site_name_not_the_host(client, settings, mailoutbox):
    settings.SITE_NAME = "Acme Academy"
    site_sync()
    user = UserFactory()
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    (message,) = mailoutbox
    assert "Hello from Acme Academy!" in message.body
    assert "Hello from testserver" not in message.body
    assert "Hello from 127.0.0.1" not in message.body
    assert message.subject.startswith("[Acme Academy] ")


def test_the_admin_does_not_offer_the_site_row(client):
    # It follows SITE_NAME and SITE_URL; an edit there would be undone by the next migrate.
    client.force_login(AdminFactory())
    assert client.get("/admin/sites/site/").status_code == 404
    assert client.get("/admin/").status_code == 200

from functools import partial

import pytest
from django.core.cache import caches
from django.test import override_settings

from tests.browser import browser, live_daphne, page  # noqa: F401  (shared fixtures)
from tests.factories import (
    AdminFactory,
    InstructorFactory,
    StudentFactory,
)
from tests.fakes.cloudinary_server import FakeCloudinary
from tests.redis_server import redis_server  # noqa: F401  (shared fixture)
from tests.smtp_server import smtp_server, smtp_session_server  # noqa: F401  (shared fixtures)


def pytest_configure(config):
    # A fast hasher for the whole session, set before the live daphne server forks so that
    # it checks the same hashes. Production keeps Django's default (PBKDF2).
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run at once, in the process that enqueues them (after the commit that enqueues
    # them); tests of the real worker (tests/mail/test_worker.py) start `db_worker` processes
    # on the database backend production uses.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "email"],
        }
    }
    from django.apps import apps
    from django.db.models.signals import post_migrate

    # The session's shared cache, the one the live server uses (tests may swap the default).
    shared = caches.create_connection("default")
    post_migrate.connect(
        partial(_keep_the_cache_epoch, shared),
        sender=apps.get_app_config("core"),
        weak=False,
        dispatch_uid="keep-the-cache-epoch",
    )


def _keep_the_cache_epoch(shared, using, **kwargs):
    # A transactional test ends by emptying every table, the cache epoch's row with it, and
    # the next read would make a new epoch. The live server read the old one less than
    # EPOCH_TTL ago and keeps it that long: its entries and this process's would part ways
    # (a catalog the server cached would miss a course this process just created). A
    # site's database is not emptied under it; here the epoch is put back as it was.
    from core.models import CacheEpoch

    epoch = getattr(getattr(shared, "_state", None), "epoch", None)
    if epoch is not None:
        CacheEpoch.objects.using(using).get_or_create(pk=1, defaults={"token": epoch})


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters (allauth) and cached fragments never carry over between tests.
    for alias in ("default", "fragments"):
        caches[alias].clear()
    yield
    for alias in ("default", "fragments"):
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _fresh_live_breaker(monkeypatch):
    # Kept per process: one test's Redis outage must not skip the next test's live pushes.
    from core.breaker import Breaker
    from notifications import services

    monkeypatch.setattr(services, "_live", Breaker(services.LIVE_RETRY_AFTER))


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    # Uploaded files from one test never leak into another, or into the developer's media.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture
def student(db):
    return StudentFactory()


@pytest.fixture
def instructor(db):
    return InstructorFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A block whose writes count as committed (the test's own transaction never commits)."""
    return partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def cloudinary_media(settings):
    """STORAGES switched to Cloudinary, as settings.py does when CLOUDINARY_URL is set."""
    backend = "core.storage.CloudinaryStorage"
    with FakeCloudinary(api_key="k", api_secret="s", cloud_name="edu") as fake:
        config = {
            **settings.STORAGES,
            "default": {"BACKEND": backend, "OPTIONS": {"delivery_type": "upload"}},
            "private": {"BACKEND": backend, "OPTIONS": {"delivery_type": "authenticated"}},
        }
        with override_settings(CLOUDINARY_URL=fake.cloudinary_url, STORAGES=config):
            yield fake

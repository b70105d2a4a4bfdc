"""Browser test harness: a live daphne server on the test database, driven by Chromium.

Use the `live_daphne` fixture (base URL of the server) and the `page` fixture (a fresh
Playwright page in its own browser context). Tests that use them need committed data, so
they run with `transactional_db` (the fixtures request it).
"""

import os
import shutil
from contextlib import contextmanager
from functools import partial

import pytest
from channels.routing import get_default_application
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.test import override_settings

SYSTEM_CHROMIUM = "/usr/bin/chromium"  # Debian's
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _make_application():
    # Module level, so the forked server process can build it.
    return ASGIStaticFilesHandler(get_default_application())


def _prepare_server_process():
    # A forked server must not share the parent's database sockets, nor believe it runs
    # inside the parent's event loop (Playwright keeps one in the test process's thread).
    import asyncio

    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.connection = None
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)
    # The test process sets this for its own ORM calls once Playwright runs; a server
    # forked after that must still refuse database access from async code, as in production.
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _close_database_sessions():
    # A connection pool is process-wide: a child forked while it holds idle sessions takes
    # them from its copy of the pool while this process takes the same ones from the
    # original, and the two then read each other's query results (or wait forever for
    # a reply the other consumed). Closed here, each process opens its own on next use.
    from django.db import connections

    connections.close_all()
    for conn in connections.all():
        if hasattr(conn, "close_pool"):
            conn.close_pool()


@contextmanager
def daphne_server(application_factory=_make_application, **settings_overrides):
    """Run an ASGI app (the project's) in a forked daphne on 127.0.0.1; yields its base URL.

    Settings overrides apply to the server process (they are copied when it forks).
    """
    _close_database_sessions()
    with override_settings(**settings_overrides):
        process = DaphneProcess(
            host="127.0.0.1",
            get_application=partial(application_factory),
            setup=_prepare_server_process,
        )
        process.start()
        if not process.ready.wait(timeout=30):
            process.terminate()
            raise RuntimeError("daphne did not start")
    try:
        yield f"http://127.0.0.1:{process.port.value}"
    finally:
        process.terminate()
        process.join(timeout=10)


def chromium_path(playwright) -> str | None:
    """The Chromium to launch: CHROMIUM_PATH, else the system's (Debian's `chromium`), else
    None for Playwright's own download. `make test` installs one when none is there
    (scripts/ensure_chromium.sh)."""
    path = os.environ.get("CHROMIUM_PATH")
    if path:
        if shutil.which(path) or os.path.exists(path):
            return path
        pytest.fail(
            f"Chromium not found at CHROMIUM_PATH={path}: install it there or unset CHROMIUM_PATH",
            pytrace=False,
        )
    system = shutil.which("chromium") or SYSTEM_CHROMIUM
    if os.path.exists(system):
        return system
    if os.path.exists(playwright.chromium.executable_path):
        return None
    pytest.fail(
        "Chromium not found: run `make browser` (apt-get install -y chromium as root, "
        "or .venv/bin/playwright install chromium), or set CHROMIUM_PATH",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def live_daphne(django_db_setup, django_db_blocker):
    """Start daphne once per test session, serving the project's ASGI app on 127.0.0.1."""
    with django_db_blocker.unblock(), daphne_server(**_server_cache()) as url:
        yield url


def _server_cache() -> dict:
    """Without Redis the cache is each process's memory, and the forked server would never
    hear this process's writes: it would serve what it cached in an earlier test (a catalog
    page from before this test's courses existed). There it caches nothing; with Redis it
    shares this process's cache, as production's processes do."""
    from django.conf import settings

    if settings.REDIS_URL:
        return {}
    return {
        "CACHES": {
            **settings.CACHES,
            "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        }
    }


@pytest.fixture(scope="session")
def browser(live_daphne):
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
    # test body stay synchronous and safe because they never run inside that loop. Set only
    # after the server has forked (hence the live_daphne dependency), so the server still
    # refuses database access from async code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(playwright), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_daphne, transactional_db):
    context = browser.new_context(base_url=live_daphne)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console_errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.console_errors = console_errors
    yield page
    context.close()


def login(page, email: str, password: str) -> None:
    """Log in through the real allauth form."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_load_state()


def log_in_with_session(page, base_url: str, user) -> None:
    """Log `user` in by a server-side session cookie, for journeys not about the login form."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )

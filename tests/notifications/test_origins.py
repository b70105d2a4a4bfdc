"""Which pages may open the notification socket: Django's CSRF origin rule (core.origins),
through the real edusphere.asgi.application.

The Origin must equal the connection's own origin (scheme, host and port, the host one of
ALLOWED_HOSTS) or be listed in CSRF_TRUSTED_ORIGINS. A refused handshake never reaches the
consumer (HTTP 403); an accepted one gets the unread count.
"""

import pytest

from tests.notifications.sockets import socket_for
from tests.notifications.test_consumer import TIMEOUT, logged_in_client, run

pytestmark = pytest.mark.django_db(transaction=True)


def opens(client, **kwargs) -> bool:
    """Whether a socket with these handshake details is accepted and served."""
    result = {}

    async def scenario():
        socket = socket_for(client, **kwargs)
        ok, _ = await socket.connect(timeout=TIMEOUT)
        if ok:
            message = await socket.receive_json_from(timeout=TIMEOUT)
            assert message["type"] == "unread_count"
            await socket.disconnect()
        result["ok"] = ok

    run(scenario)
    return result["ok"]


@pytest.fixture
def client(student):
    return logged_in_client(student)


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "site.example"]
    settings.CSRF_TRUSTED_ORIGINS = []


def test_the_same_origin_is_accepted(client):
    assert opens(client, origin=b"http://testserver")
    assert opens(client, host=b"127.0.0.1:8000", origin=b"http://127.0.0.1:8000")
    # A test server or `make run PORT=8001`: whatever port the page came from.
    assert opens(client, host=b"127.0.0.1:41234", origin=b"http://127.0.0.1:41234")


def test_another_port_of_the_same_host_is_refused(client):
    # Anything else running on the machine (or a page on another port) is another origin.
    assert not opens(client, host=b"127.0.0.1:8000", origin=b"http://127.0.0.1:9999")
    assert not opens(client, host=b"127.0.0.1:8000", origin=b"http://127.0.0.1")
    assert not opens(client, host=b"testserver", origin=b"http://testserver:8000")


def test_another_scheme_is_refused(client):
    # A plain-HTTP page (a network attacker's) must not use an HTTPS site's socket...
    assert not opens(client, scheme="wss", host=b"site.example", origin=b"http://site.example")
    # ... and an insecure connection is not the HTTPS page's own.
    assert not opens(client, host=b"site.example", origin=b"https://site.example")
    assert opens(client, scheme="wss", host=b"site.example", origin=b"https://site.example")


def test_the_proxys_https_header_counts_as_django_counts_it(client, settings):
    # Behind a TLS-terminating proxy daphne sees a plain connection; SECURE_PROXY_SSL_HEADER
    # (set when DEBUG is off) says it was HTTPS, as for every HTTP request.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"x-forwarded-proto", b"https")]
    assert opens(client, host=b"site.example", origin=b"https://site.example", headers=proxied)
    assert not opens(client, host=b"site.example", origin=b"http://site.example", headers=proxied)


def test_a_host_outside_allowed_hosts_is_refused(client):
    # Same origin as the Host header claims, but not a host of this site (DNS rebinding).
    assert not opens(client, host=b"evil.example", origin=b"http://evil.example")
    assert not opens(client, origin=b"https://evil.example")
    assert not opens(client, origin=b"http://testserver.evil.example")


def test_origins_in_csrf_trusted_origins_are_accepted(client, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com", "https://*.example.org"]
    assert opens(client, origin=b"https://app.example.com")
    assert opens(client, origin=b"https://eu.example.org")
    # Exactly as listed: scheme and port too.
    assert not opens(client, origin=b"http://app.example.com")
    assert not opens(client, origin=b"https://app.example.com:8443")
    assert not opens(client, origin=b"http://eu.example.org")
    assert not opens(client, origin=b"https://example.org.evil.example")


def test_the_default_trusted_origin_is_the_site_url(client, settings):
    # settings: CSRF_TRUSTED_ORIGINS defaults to [SITE_URL], the public address behind a proxy.
    settings.CSRF_TRUSTED_ORIGINS = [settings.SITE_URL]
    assert opens(client, host=b"127.0.0.1:8000", origin=settings.SITE_URL.encode())


def test_no_origin_or_an_opaque_one_is_refused(client):
    # Browsers always send one; nothing else has any business with this socket.
    assert not opens(client, origin=None)
    assert not opens(client, origin=b"null")
    assert not opens(client, origin=b"")
    twice = [(b"origin", b"https://evil.example")]
    assert not opens(client, origin=b"http://testserver", headers=twice)

import pytest
from channels.testing import WebsocketCommunicator

from edusphere.asgi import application


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "redis: needs a Redis server (REDIS_URL, or 127.0.0.1:6379); skipped without"
    )


def socket_for(client=None, *, origin: bytes = b"http://testserver") -> WebsocketCommunicator:
    """A WebSocket to ws/notifications/ through the full ASGI stack (origin check, session auth).

    `client` is a Django test client; its session cookie authenticates the socket.
    """
    headers = [(b"host", b"testserver"), (b"origin", origin)]
    if client is not None and "sessionid" in client.cookies:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


@pytest.fixture
def in_memory_layer(settings):
    """A fresh in-memory channel layer, whatever REDIS_URL says."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    # Factory users hash a password each; the browser test logs in through a live server
    # that keeps the project's hashers, so it keeps them too.
    if request.node.get_closest_marker("browser") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def student(student):
    # The shared factory sets the password after saving; store it so logins and
    # force_login's session hash work.
    student.save(update_fields=["password"])
    return student

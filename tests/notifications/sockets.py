"""Test helper: a WebSocket to ws/notifications/ through the project's full ASGI stack."""

from channels.testing import WebsocketCommunicator

from edusphere.asgi import application


def socket_for(client=None, *, origin: bytes = b"http://testserver") -> WebsocketCommunicator:
    """The origin check and session auth run as in production.

    `client` is a Django test client; its session cookie authenticates the socket.
    """
    headers = [(b"host", b"testserver"), (b"origin", origin)]
    if client is not None and "sessionid" in client.cookies:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)

"""Test helper: a WebSocket through the project's full ASGI stack."""

from channels.testing import WebsocketCommunicator

from edusphere.asgi import application


def socket_for(
    client=None,
    *,
    origin: bytes | None = b"http://testserver",
    host: bytes = b"testserver",
    scheme: str = "ws",
    headers: list | None = None,
    path: str = "/ws/notifications/",
) -> WebsocketCommunicator:
    """The origin check and session auth run as in production.

    `client` is a Django test client; its session cookie authenticates the socket. `origin`
    None sends no Origin header; `scheme` "wss" is a secure connection; `headers` are added;
    `path` is the socket's path.
    """
    sent = [(b"host", host)]
    if origin is not None:
        sent.append((b"origin", origin))
    if client is not None and "sessionid" in client.cookies:
        sent.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    sent.extend(headers or [])

    async def with_scheme(scope, receive, send):
        return await application({**scope, "scheme": scheme}, receive, send)

    return WebsocketCommunicator(with_scheme, path, headers=sent)

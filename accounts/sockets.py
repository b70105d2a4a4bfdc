"""The two-factor requirement for WebSockets: RequireAdminTwoFactorMiddleware covers pages
only, and a socket would otherwise carry an admin's live notifications before they set up
two-factor."""

from channels.db import database_sync_to_async

from accounts.middleware import must_set_up_two_factor
from notifications.consumers import CLOSE_UNAUTHENTICATED


class RequireAdminTwoFactorSocketMiddleware:
    """ASGI middleware, inside Channels' AuthMiddlewareStack (it reads scope["user"]): a
    socket of a user who must set up two-factor first is closed at the handshake."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        # Only an admin's handshake asks the database (one thread serves it for the process).
        if not (
            user is not None
            and user.is_authenticated
            and user.is_admin
            and await database_sync_to_async(must_set_up_two_factor)(user)
        ):
            return await self.app(scope, receive, send)
        if (await receive())["type"] != "websocket.connect":
            return None
        # Accepted, then closed: a refused handshake reaches the browser as a bare 1006 and
        # the script would keep reconnecting; 4401 stops it until a page opens a new socket
        # (the admin is sent to set up two-factor meanwhile).
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED})
        return None

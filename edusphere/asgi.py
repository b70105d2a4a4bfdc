"""ASGI entry point: HTTP through Django, WebSockets through Channels (served by daphne)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edusphere.settings")
# Django must be set up before anything imports models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.sockets import RequireAdminTwoFactorSocketMiddleware  # noqa: E402
from core.origins import SameOriginValidator  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402


def configured_root_path(app):
    """`app` with the site's mount point from settings (FORCE_SCRIPT_NAME), never a request.

    daphne takes the mount point from any request's Daphne-Root-Path header, and links made
    with it end up in pages and fragments cached for other visitors.
    """
    from django.conf import settings

    root_path = settings.FORCE_SCRIPT_NAME or ""

    async def with_root_path(scope, receive, send):
        return await app({**scope, "root_path": root_path}, receive, send)

    return with_root_path


application = configured_root_path(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            # Origin: scheme, host and port, as Django's CSRF check (core.origins). An admin
            # whom pages send to set up two-factor gets no socket either (accounts.sockets).
            "websocket": SameOriginValidator(
                AuthMiddlewareStack(
                    RequireAdminTwoFactorSocketMiddleware(URLRouter(websocket_urlpatterns))
                )
            ),
        }
    )
)

# Everything loaded so far (modules, classes, the URL tree, Django's registries) lives as long as
# the process. A full collection would re-examine it each time, and a full collection stops
# the event loop: every live message and response of the process waits for it. Leave it out.
gc.collect()
gc.freeze()

from channels.security.websocket import WebsocketDenier
from django.urls import path, re_path

from notifications import consumers

websocket_urlpatterns = [
    path("ws/notifications/", consumers.NotificationConsumer.as_asgi()),
    # Any other path is refused at the handshake: without a route, Channels raises, and each
    # probe of a made-up path would log a server error.
    re_path(r"", WebsocketDenier.as_asgi()),
]

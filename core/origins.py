"""WebSocket handshakes only from this site's own pages: Django's CSRF origin rule.

A browser sends its page's cookies with a WebSocket handshake to any site, whatever page
opened it, so a socket authenticated by the session cookie must check where the page came
from. Channels' AllowedHostsOriginValidator compares the Origin's host name only: a page
at http://127.0.0.1:9999 (anything else running on the machine) or http://site (a network
attacker's plain-HTTP copy of an HTTPS site) passes it. Here the Origin must be the
connection's own origin (scheme, host and port: https for a secure connection, including
one that the proxy reports through SECURE_PROXY_SSL_HEADER, and a host in ALLOWED_HOSTS) or
be listed in CSRF_TRUSTED_ORIGINS, exactly as CsrfViewMiddleware decides for a form post.

A handshake without an Origin is refused too. Browsers always send one, so such a client is
not a browser and cannot be tricked into using a visitor's cookies; but nothing on this site
serves such clients, and refusing them leaves one rule to reason about.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.http import is_same_domain


class _Handshake(HttpRequest):
    """Enough of a request for Django's own get_host() and is_secure()."""

    def __init__(self, scope):
        super().__init__()
        self._secure_scheme = scope.get("scheme") in ("wss", "https")
        server = scope.get("server") or ("", "")
        self.META["SERVER_NAME"] = str(server[0] or "")
        self.META["SERVER_PORT"] = str(server[1] or "")
        for name, value in scope.get("headers", ()):
            key = "HTTP_" + name.decode("latin1").upper().replace("-", "_")
            value = value.decode("latin1")
            self.META[key] = f"{self.META[key]},{value}" if key in self.META else value

    def _get_scheme(self):
        return "https" if self._secure_scheme else "http"


def origin_allowed(scope) -> bool:
    """True when the handshake's Origin may use this site's cookies (see the module)."""
    origins = [value for name, value in scope.get("headers", ()) if name.lower() == b"origin"]
    if len(origins) != 1:
        return False
    try:
        origin = origins[0].decode("ascii")
    except UnicodeDecodeError:
        return False
    handshake = _Handshake(scope)
    try:
        good_host = handshake.get_host()
    except DisallowedHost:
        pass
    else:
        good_origin = f"{'https' if handshake.is_secure() else 'http'}://{good_host}"
        if origin == good_origin:
            return True
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in (trusted_origin for trusted_origin in trusted if "*" not in trusted_origin):
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    # "https://*.example.com" trusts the subdomains of example.com, as for CSRF.
    patterns = [urlsplit(trusted_origin) for trusted_origin in trusted if "*" in trusted_origin]
    return any(
        pattern.scheme == parsed.scheme and is_same_domain(parsed.netloc, pattern.netloc[1:])
        for pattern in patterns
    )


class SameOriginValidator:
    """ASGI middleware: a WebSocket handshake whose Origin fails `origin_allowed` is refused
    (HTTP 403, before any application code runs); other scopes pass through."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health check: database unreachable")
        return False


def _channel_layer_ok() -> bool:
    # A group send is one PUBLISH through the layer's own connection: it fails when Redis
    # is down, and unlike a send-and-receive it leaves no subscribed channel behind.
    try:
        async_to_sync(get_channel_layer().group_send)("healthz", {"type": "health.ping"})
        return True
    except Exception:
        logger.exception("health check: channel layer unreachable")
        return False


@never_cache
@require_safe
def healthz(request):
    checks = {"database": _database_ok(), "channel_layer": _channel_layer_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )

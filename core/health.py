"""GET /healthz: the database, the cache and the channel layer, each within a short timeout.

A hung dependency must not hang the answer: a paused Redis accepts connections and never
replies, and a load balancer that waits seconds for its probe cannot take the process out of
rotation in time. So each check runs in a thread of its own, all at once, and the view waits
at most CHECK_TIMEOUT for the lot; a check that has not answered by then counts as failed.
"""

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future

from channels.layers import get_channel_layer
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 0.3  # seconds, for all checks together (they run concurrently)
# A check that hangs keeps its thread until its own socket timeout (or for good, on a
# database that never answers): past this many still running, the check fails at once
# instead of starting another thread, so a probe every second cannot pile them up.
MAX_RUNNING = 3


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    finally:
        connection.close()  # this thread's own connection (or back to the pool)


def _cache() -> bool:
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Straight to Redis: the backend itself turns errors into misses, so a set and get
        # through it would not tell a dead Redis from an empty one.
        return bool(backend._cache.get_client(write=True).ping())
    key = f"healthz:{uuid.uuid4().hex}"
    backend.set(key, True, timeout=10)
    try:
        return backend.get(key) is True
    finally:
        backend.delete(key)


def _channel_layer() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return True  # nothing configured, nothing to fail

    async def publish() -> None:
        # One PUBLISH on Redis: it fails when Redis is down, and unlike a send and receive
        # it leaves no subscribed channel behind.
        await asyncio.wait_for(
            layer.group_send("healthz", {"type": "health.ping"}), timeout=CHECK_TIMEOUT
        )

    # A loop of this thread's own: the layer opens a connection on it and closes it with it.
    asyncio.run(publish())
    return True


CHECKS: dict[str, Callable[[], bool]] = {
    "database": _database,
    "cache": _cache,
    "channel_layer": _channel_layer,
}
_running = {name: threading.BoundedSemaphore(MAX_RUNNING) for name in CHECKS}


def _start(name: str) -> Future:
    future: Future = Future()
    slot = _running[name]
    if not slot.acquire(blocking=False):
        logger.warning("health check %s: %d earlier checks still hang", name, MAX_RUNNING)
        future.set_result(False)
        return future

    def run() -> None:
        try:
            future.set_result(bool(CHECKS[name]()))
        except Exception as error:
            logger.warning("health check %s failed: %r", name, error)
            future.set_result(False)
        finally:
            slot.release()

    threading.Thread(target=run, name=f"healthz-{name}", daemon=True).start()
    return future


@never_cache
@require_safe
def healthz(request):
    deadline = time.monotonic() + CHECK_TIMEOUT
    futures = {name: _start(name) for name in CHECKS}
    checks = {}
    for name, future in futures.items():
        try:
            checks[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            logger.warning("health check %s: no answer within %.2f s", name, CHECK_TIMEOUT)
            checks[name] = False
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )

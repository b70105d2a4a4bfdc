"""WebSocket at ws/notifications/: live notifications and the unread count for one user."""

import asyncio
import contextlib
import json
import logging
import random
import time
from collections import deque
from importlib import import_module

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from notifications import selectors, shards
from notifications.models import Notification
from notifications.services import (
    notification_mark_read,
    session_digest,
    shard_group_name,
    user_group_name,
)

logger = logging.getLogger(__name__)

# Close codes the script understands (4000-4999 are for applications).
# The script stops reconnecting: the user is logged out (or, from accounts.sockets, an
# admin who must set up two-factor before using the site).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOO_FAST = 4429
# The channel layer (Redis) is unreachable: the script reconnects later, with backoff. A
# socket kept open would show the count but never a live event.
CLOSE_UNAVAILABLE = 4503
# daphne (autobahn) lets an application close with 1000 or 3000-4999 only: any other code is
# an error there, and the socket ends as a crash (1011) instead. Hence 4000 + an HTTP status.
CLOSE_UNSUPPORTED_DATA = 4415  # binary frames
CLOSE_TOO_BIG = 4413  # a text message over MAX_MESSAGE_BYTES
CLOSE_SERVER_ERROR = 4500

MAX_MESSAGE_BYTES = 1024
RATE_LIMIT = 10  # client messages ...
RATE_WINDOW_SECONDS = 10.0  # ... per this many seconds, per socket

# Group events carry everything they show and touch no database.
LIVE_EVENTS = frozenset({"notification.created", "unread.count"})


def _stored_session(session_key: str) -> dict:
    """The session's data as stored now; {} once it is gone (deleted, flushed, expired).

    Sessions kept in the database are read there, never from a cached copy: a row deleted
    behind the cache's back (the admin, clearsessions, a flush while Redis was away) counts.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if not hasattr(store, "get_model_class"):
        return store.load()  # a store without rows (cache, files, signed cookies)
    row = (
        store.get_model_class()
        .objects.filter(session_key=session_key, expire_date__gt=timezone.now())
        .first()
    )
    return store.decode(row.session_data) if row is not None else {}


def session_is_current(*, session_key: str, user_id) -> bool:
    """Whether the session a socket was opened with still logs `user_id` in: it exists, names
    that user through a configured backend, the user is active, and the session's auth hash
    still matches the user's password (Django's own rule, django.contrib.auth.get_user).
    Two queries, neither through the cache."""
    data = _stored_session(session_key)
    if str(data.get(SESSION_KEY)) != str(user_id):
        return False
    if data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return False
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None or not user.is_active:
        return False
    session_hash = data.get(HASH_SESSION_KEY)
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    return any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )


def _mark_read(*, user, session_key: str, notification_id: int) -> bool:
    """False, changing nothing, when the socket's session no longer holds."""
    if not session_is_current(session_key=session_key, user_id=user.pk):
        return False
    # Another user's id, or one gone: nothing to say. Its unread.count event (on commit)
    # updates every tab, this one included.
    with contextlib.suppress(Notification.DoesNotExist):
        notification_mark_read(user=user, notification_id=notification_id)
    return True


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Each logged-in user's sockets join a group of their own (`user_group_name`); bulk
    notifications arrive through the process's one listener to their shard's group
    (`shard_group_name`, see notifications.shards).

    Server -> client: {"type": "unread_count", "unread_count": n} on connect and whenever the
    count changes; {"type": "notification", "notification": {...}, "unread_count": n} for
    each new notification; {"type": "pong"}.
    Client -> server: {"type": "ping"} and {"type": "mark_read", "id": n}; anything else that
    is valid JSON is ignored. Oversized (4413), binary (4415) or too frequent (4429) messages
    close the socket; so does an unreachable channel layer at connect (4503, which the script
    retries).

    A socket lives only as long as the session it was opened with (4401 when that ends): a
    logout of that session closes it at once (`session.ended`), a changed password or active
    flag has it re-validate at once (`sessions.check`), and whether or not those events get
    through the channel layer, it re-validates its session from the database every
    NOTIFICATIONS_SOCKET_RECHECK_SECONDS and before each mark_read (`session_is_current`).
    Live events themselves never wait for the database.
    """

    group_name = None
    shard_group = None
    closing = False
    pending = None
    membership = None
    rechecks = None

    channel_name = None

    async def __call__(self, scope, receive, send):
        try:
            return await super().__call__(scope, receive, send)
        except Exception as error:
            if self.channel_name is not None or getattr(self, "channel_layer", None) is None:
                raise  # not the layer's new_channel() before the handshake
            # Channels asks the layer for this socket's channel before the handshake, and a
            # pub/sub layer subscribes it there: with Redis down, that fails first.
            logger.warning("Notification socket refused: channel layer unavailable (%r)", error)
            await self._refuse(receive, send)

    @staticmethod
    async def _refuse(receive, send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        # Accepted, then closed: a refused handshake reaches the browser as a bare 1006.
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})

    async def dispatch(self, message):
        # Channels closes stale database connections before every handler, on the one thread
        # that runs this process's database work. Live events need no database, and a hop
        # per event would queue a burst to 1,000 sockets behind that thread for a second.
        if message["type"] in LIVE_EVENTS:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    async def connect(self):
        user = self.scope.get("user")
        # Accept before closing: a refused handshake reaches the browser as a bare 1006, and
        # the script needs 4401 to know it must not reconnect.
        await self.accept()
        session = self.scope.get("session")
        session_key = session.session_key if session is not None else None
        if user is None or not user.is_authenticated or not session_key:
            await self._close(CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.session_key = session_key
        self.session = session_digest(session_key)
        self.recent = deque(maxlen=RATE_LIMIT)
        # Bulk notifications that arrive before the first count is out wait here, so the
        # browser never sees an older count after a newer one.
        self.pending = []
        try:
            await self._join(user.pk)
        except Exception as error:
            logger.warning(
                "Notification socket of user %s refused: channel layer unavailable (%r)",
                user.pk,
                error,
            )
            await self._leave()
            await self._close(CLOSE_UNAVAILABLE)
            return
        except BaseException:
            # Channels calls disconnect() only after connect() returned: leave the shard here,
            # or the process would keep this socket registered for good.
            await self._leave()
            raise
        try:
            count = await database_sync_to_async(selectors.unread_count)(user=user)
            await self.send_json({"type": "unread_count", "unread_count": count})
            pending, self.pending = self.pending, None
            for message in pending:
                await self.send_json(message)
        except BaseException:
            await self._leave()
            raise
        self.rechecks = asyncio.ensure_future(
            self._recheck_every(settings.NOTIFICATIONS_SOCKET_RECHECK_SECONDS)
        )

    async def _recheck_every(self, seconds: float) -> None:
        # Spread over a quarter of the period: sockets opened together (a server restart)
        # do not all query at once. Timing only, so a non-cryptographic random is right.
        while not self.closing:
            await asyncio.sleep(seconds * random.uniform(0.75, 1.0))  # noqa: S311  # nosec B311
            try:
                await self._recheck()
            except Exception:
                logger.exception("Re-checking the session of user %s failed", self.user.pk)

    async def _recheck(self) -> None:
        if self.closing:
            return
        try:
            current = await database_sync_to_async(session_is_current)(
                session_key=self.session_key, user_id=self.user.pk
            )
        except Exception as error:
            # Unverifiable is not valid. The script reconnects with backoff, through the full
            # session check of a new handshake.
            logger.warning(
                "Notification socket of user %s closed: its session could not be checked (%r)",
                self.user.pk,
                error,
            )
            await self._close(CLOSE_UNAVAILABLE)
            return
        if not current:
            await self._close(CLOSE_UNAUTHENTICATED)

    async def _join(self, user_id: int) -> None:
        self.group_name = user_group_name(user_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        self.membership = shards.keep_membership(
            self.channel_layer, self.group_name, self.channel_name
        )
        self.shard_group = shard_group_name(user_id)
        await shards.join(self.channel_layer, self.shard_group, user_id, self)

    async def _leave(self) -> None:
        if self.rechecks and self.rechecks is not asyncio.current_task():
            self.rechecks.cancel()
        if self.membership:
            self.membership.cancel()
        # Each step on its own: with Redis down any of them may fail, and the rest must run.
        try:
            if self.shard_group:
                await shards.leave(self.channel_layer, self.shard_group, self.user.pk, self)
        except Exception as error:
            logger.warning("Leaving %s failed: %r", self.shard_group, error)
        try:
            if self.group_name:
                await self.channel_layer.group_discard(self.group_name, self.channel_name)
        except Exception as error:
            logger.warning("Leaving %s failed: %r", self.group_name, error)

    async def disconnect(self, code):
        await self._leave()

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing or self.group_name is None:
            return
        now = time.monotonic()
        if len(self.recent) == RATE_LIMIT and now - self.recent[0] < RATE_WINDOW_SECONDS:
            await self._close(CLOSE_TOO_FAST)
            return
        self.recent.append(now)
        if text_data is None:
            await self._close(CLOSE_UNSUPPORTED_DATA)
            return
        if len(text_data.encode()) > MAX_MESSAGE_BYTES:
            await self._close(CLOSE_TOO_BIG)
            return
        try:
            message = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: "[" * 1000 nests too deep
            return  # malformed: ignored
        if not isinstance(message, dict):
            return
        try:
            await self.handle(message)
        except Exception:
            # One socket's bad luck must not take the worker down; the script reconnects.
            logger.exception("Notification socket of user %s failed", self.user.pk)
            await self._close(CLOSE_SERVER_ERROR)

    async def handle(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "mark_read":
            notification_id = message.get("id")
            # bool is an int in Python; {"id": true} is not an id.
            if type(notification_id) is not int or not 0 < notification_id < 2**63:
                return
            # Acting for the user: the session must still hold, checked in the same hop.
            current = await database_sync_to_async(_mark_read)(
                user=self.user, session_key=self.session_key, notification_id=notification_id
            )
            if not current and not self.closing:
                await self._close(CLOSE_UNAUTHENTICATED)

    async def _close(self, code: int) -> None:
        if self.closing:
            return  # one close frame; a second would be a protocol error
        self.closing = True
        if self.rechecks and self.rechecks is not asyncio.current_task():
            self.rechecks.cancel()
        await self.close(code=code)

    # Group events sent by notifications.services.

    async def notification_created(self, event):
        if self.closing:
            return
        await self.send_json(
            {
                "type": "notification",
                "notification": event["notification"],
                "unread_count": event["unread_count"],
            }
        )

    async def bulk_notification(self, notification: dict, notification_id: int, unread: int):
        """This user's entry of a `notifications.created` shard message."""
        if self.closing:
            return
        notification = {**notification, "id": notification_id}
        message = {"type": "notification", "notification": notification, "unread_count": unread}
        if self.pending is not None:
            self.pending.append(message)  # connect() sends it after the first count
            return
        await self.send_json(message)

    async def unread_count(self, event):
        if self.closing:
            return
        await self.send_json({"type": "unread_count", "unread_count": event["unread_count"]})

    async def session_ended(self, event):
        """A session of this user logged out: close if it is this socket's."""
        if event.get("session") == self.session:
            await self._close(CLOSE_UNAUTHENTICATED)

    async def sessions_check(self, event):
        """The user's password or active flag changed: re-validate now."""
        await self._recheck()

"""One subscription per server process to each shard group, shared by that process's sockets.

A bulk notification reaches a shard group as one message naming every recipient of the
shard. Were each socket a member of the group, the channel layer would queue a copy for each
of them, and each would wake up, decode the whole message and keep nothing but its own entry:
for a thousand sockets, a thousand wake-ups (each several hops of the event loop) and a
thousand decodes before the first frame leaves. Here the process listens to the shard once,
decodes each message once, and hands each recipient's entry straight to that user's sockets,
so the frames of one shard go out together while the next shard's message is read.
"""

import asyncio
import logging
import weakref
from collections import defaultdict

logger = logging.getLogger(__name__)

# Per event loop (each test runs its own), then per channel layer.
_listeners: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = (
    weakref.WeakKeyDictionary()
)


def keep_membership(layer, group: str, channel: str) -> "asyncio.Task | None":
    """Renew `channel`'s membership of `group` while the returned task runs (cancel it on
    leaving), on layers that expire members: the in-memory layer drops them after a day,
    so a socket or shard listener that outlives that would silently stop receiving."""
    expiry = getattr(layer, "group_expiry", None)
    if not expiry:
        return None  # pub/sub keeps subscriptions for as long as they are open

    async def renew() -> None:
        while True:
            await asyncio.sleep(expiry / 2)
            try:
                await layer.group_add(group, channel)
            except Exception:
                logger.exception("Renewing %s in %s failed", channel, group)

    return asyncio.ensure_future(renew())


class _Shard:
    def __init__(self, layer, group: str):
        self.layer = layer
        self.group = group
        self.sockets: dict[int, set] = defaultdict(set)  # user id -> its consumers here
        self.channel = None
        self.listening = None
        self.membership = None
        self.ready = asyncio.ensure_future(self._subscribe())

    async def _subscribe(self) -> None:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.membership = keep_membership(self.layer, self.group, self.channel)
        self.listening = asyncio.ensure_future(self._listen())

    async def _listen(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except Exception:
                logger.exception("Receiving from %s failed", self.group)
                await asyncio.sleep(1)  # a layer that keeps failing must not spin the loop
                continue
            try:
                await self._deliver(event)
            except Exception:
                logger.exception("Malformed bulk notification to %s", self.group)

    async def _deliver(self, event: dict) -> None:
        notification = event["notification"]
        for user_id, (notification_id, unread) in event["recipients"].items():
            for consumer in list(self.sockets.get(int(user_id), ())):
                try:
                    await consumer.bulk_notification(notification, notification_id, unread)
                except Exception:
                    # One socket's failure must not cost the rest of the shard its message.
                    logger.exception("Bulk notification to user %s failed", user_id)

    async def close(self) -> None:
        try:
            await self.ready
        except Exception:
            return  # never subscribed
        if self.membership:
            self.membership.cancel()
        self.listening.cancel()
        # Let the layer's own clean-up on cancel run (pub/sub unsubscribes the channel);
        # wait() rather than await, so a cancellation of this caller still propagates.
        await asyncio.wait([self.listening])
        await self.layer.group_discard(self.group, self.channel)


def _shards(layer) -> dict[str, _Shard]:
    by_layer = _listeners.setdefault(asyncio.get_running_loop(), {})
    return by_layer.setdefault(id(layer), {})


async def join(layer, group: str, user_id: int, consumer) -> None:
    """Deliver the bulk notifications of `group` for `user_id` to `consumer`, through its
    `bulk_notification(notification, notification_id, unread_count)`. Returns once this
    process is subscribed."""
    shards = _shards(layer)
    shard = shards.get(group)
    if shard is None:
        shard = shards[group] = _Shard(layer, group)
    shard.sockets[user_id].add(consumer)
    try:
        # Shielded: a socket closed during the handshake must not cancel the others' start.
        await asyncio.shield(shard.ready)
    except Exception:
        if shards.get(group) is shard:
            del shards[group]  # the next socket tries again
        raise


async def leave(layer, group: str, user_id: int, consumer) -> None:
    shards = _shards(layer)
    shard = shards.get(group)
    if shard is None:
        return
    consumers = shard.sockets.get(user_id)
    if consumers is not None:
        consumers.discard(consumer)
        if not consumers:
            del shard.sockets[user_id]
    if not shard.sockets:
        # Out of the registry first: a socket arriving meanwhile starts a fresh listener.
        del shards[group]
        await shard.close()

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.services import user_group_name


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """One group per user; anonymous sockets are closed."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group_name = user_group_name(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "group_name", None):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def notification_created(self, event):
        await self.send_json({"type": "notification", "notification": event["notification"]})

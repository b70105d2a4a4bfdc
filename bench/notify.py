"""Send one notification to many users through notify_many() and print the commit time.

Run by `bench.run` in its own process (like a web worker would), with the same DATABASE_URL
and REDIS_URL as the daphne server, so the event crosses the Redis channel layer.
"""

import json
import os
import sys
import time

import django


def main() -> None:
    user_ids, title = json.loads(sys.argv[1]), sys.argv[2]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edusphere.settings")
    django.setup()
    from django.db import transaction

    from accounts.models import User
    from notifications.models import Notification
    from notifications.services import notify_many

    recipients = list(User.objects.filter(id__in=user_ids))
    # A web worker has sent before: import and connect the channel layer outside the timing
    # (the first send in a new process costs about half a second of imports and set-up).
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    async_to_sync(get_channel_layer().group_send)("bench.warmup", {"type": "bench.warmup"})
    committed = {}
    with transaction.atomic():
        # Registered before notify_many's own hook, so it runs first, right after COMMIT.
        transaction.on_commit(lambda: committed.setdefault("at", time.time()))
        notify_many(recipients=recipients, kind=Notification.Kind.NEW_LECTURE, title=title)
    sent = time.time()
    # The bench rows must not pile up in the bench database from run to run.
    Notification.objects.filter(title=title).delete()
    print(json.dumps({"committed": committed["at"], "sent": sent}), flush=True)


if __name__ == "__main__":
    main()

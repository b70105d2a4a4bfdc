import pytest
from channels.layers import channel_layers


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "redis: needs a Redis server (REDIS_URL, or 127.0.0.1:6379); skipped without"
    )


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    # Each socket test runs its own event loop; a layer left over from an earlier test keeps
    # subscriptions, queues and connections made on a loop that is gone. Production has
    # one loop a process.
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def email_awaiting_retry(smtp_server, committed):
    """notify() `user` of `kind` while the mail server refuses for now: the notification's
    email stays queued for a retry."""
    from mail.models import Email
    from notifications.services import notify

    def make(user, kind):
        smtp_server.refuse_next("451 Greylisted, try again")
        with committed():
            notification = notify(recipient=user, kind=kind, title=f"About {kind}")
        email = Email.objects.get(key=f"notification:{notification.pk}")
        assert email.status == Email.Status.QUEUED and smtp_server.messages == []
        return email

    return make

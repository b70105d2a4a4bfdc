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

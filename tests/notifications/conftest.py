def pytest_configure(config):
    config.addinivalue_line(
        "markers", "redis: needs a Redis server (REDIS_URL, or 127.0.0.1:6379); skipped without"
    )

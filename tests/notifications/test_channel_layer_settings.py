"""The channel layer follows REDIS_URL: in memory without it, channels_redis with it.

The settings module is executed afresh under each environment (what a new process would
see), and the configured backend is built the way Channels builds it.
"""

import runpy
from pathlib import Path

import pytest
from django.utils.module_loading import import_string

SETTINGS = Path(__file__).resolve().parents[2] / "edusphere" / "settings.py"


def layer_under(monkeypatch, **env):
    for name in ("REDIS_URL", "CHANNEL_LAYER_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = runpy.run_path(str(SETTINGS))["CHANNEL_LAYERS"]["default"]
    return config["BACKEND"], import_string(config["BACKEND"])(**config.get("CONFIG", {}))


def test_in_memory_layer_without_redis_url(monkeypatch):
    # Empty counts as unset. (Unset is only checked without a developer's .env file.)
    cases = [{"REDIS_URL": ""}] + ([] if (SETTINGS.parents[1] / ".env").exists() else [{}])
    for env in cases:
        backend, layer = layer_under(monkeypatch, **env)
        assert backend == "channels.layers.InMemoryChannelLayer"
        assert type(layer).__name__ == "InMemoryChannelLayer"


@pytest.mark.parametrize("prefix", [None, "site-b"])
def test_redis_layer_with_redis_url(monkeypatch, prefix):
    env = {"REDIS_URL": "redis://127.0.0.1:6379/7"}
    if prefix:
        env["CHANNEL_LAYER_PREFIX"] = prefix
    backend, layer = layer_under(monkeypatch, **env)
    assert backend == "channels_redis.core.RedisChannelLayer"
    assert type(layer).__name__ == "RedisChannelLayer"
    assert [host["address"] for host in layer.hosts] == ["redis://127.0.0.1:6379/7"]
    assert layer.prefix == (prefix or "asgi")
    # An idle socket's blocking pop must end before the read times out.
    assert layer.hosts[0]["socket_timeout"] > layer.brpop_timeout

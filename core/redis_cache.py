"""Django's Redis cache backend, with one connection pool per process.

Under ASGI each request runs in a context of its own, so Django builds a new cache backend
per request, and each backend built a redis-py pool of its own: a new TCP connection and
handshake for every request, and sockets left to the garbage collector (Django ticket
#35651). Here the pools, and the thread-safe clients over them, last as long as the process.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict = {}
_clients_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        server = self._servers[self._get_connection_pool_index(write)]
        options = (self._pool_class, tuple(sorted(self._pool_options.items(), key=repr)))
        shared_key = (server, repr(options))
        client = _clients.get(shared_key)
        if client is None:
            with _clients_lock:
                client = _clients.get(shared_key)
                if client is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    # redis-py clients are safe to share between threads; each command
                    # takes a connection from the pool (which reopens after a fork).
                    client = _clients[shared_key] = self._client(connection_pool=pool)
        return client


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient

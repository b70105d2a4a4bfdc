"""Django's Redis cache backend, made safe to lose: one pool per process, errors as misses.

The cache is an optimisation, never a dependency:

- A read that fails (refused, timed out, Redis full) is a miss and the page is built from
  the database; a write that fails is skipped. After a failure the backend does not try
  Redis again for RETRY_AFTER seconds (a circuit breaker per process), so a dead or hung
  Redis costs one short socket timeout per process per interval, not one per call.
- Every key starts with the cache epoch, kept in the database (core.models.CacheEpoch).
  An invalidation that does not reach Redis (a delete, or a set that replaces what an entry
  says, skipped or failed) renews the epoch, so no entry filed before it is read again:
  whether a user is active, their role, an enrollment, are right on the first request
  after Redis returns. A process reads the epoch again at most EPOCH_TTL seconds after its
  last read, and at once when Redis answers again after a failure. `fill_many()` is for
  entries that only copy the database (a miss filled): losing one loses nothing.

Under ASGI each request runs in a context of its own, so Django builds a new cache backend
per request, and each backend built a redis-py pool of its own: a new TCP connection and
handshake for every request, and sockets left to the garbage collector (Django ticket
#35651). Here the pools, the thread-safe clients over them and the breaker's state last as
long as the process.
"""

import functools
import logging
import threading
import time
from dataclasses import dataclass, field

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import connection, transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

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


class CacheUnavailable(Exception):
    """Redis is not tried: the breaker is open, or the epoch cannot be read."""


class BreakerOpen(CacheUnavailable):
    pass


class _FallbackCache(LocMemCache):
    """This process's memory, standing in for Redis while the breaker is open.

    Its keys carry the epoch too, which the process keeps reading while Redis is away: an
    invalidation lost in any process (they all lose theirs then) renews the epoch, so what
    this process filed here is not read again a second later. Small and short-lived: it
    only has to carry the busiest pages through an outage.
    """

    def __init__(self, state: "_ProcessState"):
        super().__init__(
            f"cache-fallback-{id(state)}",
            {"TIMEOUT": FALLBACK_TIMEOUT, "OPTIONS": {"MAX_ENTRIES": FALLBACK_ENTRIES}},
        )
        self.state = state

    def make_key(self, key, version=None):
        return f"{self.state.epoch}:{super().make_key(key, version)}"

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        if timeout is DEFAULT_TIMEOUT or timeout is None:
            timeout = FALLBACK_TIMEOUT
        return super().get_backend_timeout(min(timeout, FALLBACK_TIMEOUT))


FALLBACK_TIMEOUT = 10  # seconds
FALLBACK_ENTRIES = 1000


@dataclass
class _ProcessState:
    """What every backend of one process and one Redis location shares."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    open_until: float = 0.0  # time.monotonic(); the breaker is open before it
    failed: bool = False  # Redis failed and has not answered since
    epoch: str | None = None
    epoch_read_at: float = float("-inf")
    fallback: _FallbackCache = field(init=False)

    def __post_init__(self):
        self.fallback = _FallbackCache(self)


_states: dict[tuple, _ProcessState] = {}
_states_lock = threading.Lock()

EPOCH_QUERY = "SELECT token FROM core_cacheepoch ORDER BY id LIMIT 1"


def read_epoch() -> str:
    """The epoch stored in the database, made on first use."""
    connection.ensure_connection()
    # The driver's own cursor: read once a second per process, not per page, so not part
    # of any page's query count (which Django's cursor would make depend on the clock).
    cursor = connection.connection.cursor()
    try:
        cursor.execute(EPOCH_QUERY)
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is not None:
        return row[0]
    from core.models import CacheEpoch

    return CacheEpoch.objects.get_or_create(pk=1)[0].token


def renew_epoch() -> str:
    """Give the cache a new epoch: every entry filed before is never read again."""
    from core.models import CacheEpoch, new_epoch_token

    token = new_epoch_token()
    if not CacheEpoch.objects.filter(pk=1).update(token=token):
        CacheEpoch.objects.update_or_create(pk=1, defaults={"token": token})
    for state in list(_states.values()):
        with state.lock:
            state.epoch, state.epoch_read_at = token, time.monotonic()
    return token


def _renew_epoch_robustly() -> None:
    try:
        renew_epoch()
    except Exception:  # the database down too, or not open to this thread
        logger.exception("cache epoch: could not renew it; cached entries may be stale")


_NOTHING = DummyCache("nothing", {})  # what a cache that holds nothing answers


def _guarded(name: str, invalidates: bool = False):
    # Same name and signature as RedisCache's method, so callers and introspection agree.
    @functools.wraps(getattr(RedisCache, name))
    def method(self, *args, **kwargs):
        return self._run(name, invalidates, *args, **kwargs)

    return method


class ResilientRedisCache(SharedPoolRedisCache):
    """See the module docstring. OPTIONS: RETRY_AFTER and EPOCH_TTL (seconds), and redis-py's
    own connection options (socket_timeout, socket_connect_timeout)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 1.0))
        self.epoch_ttl = float(options.pop("EPOCH_TTL", 1.0))
        super().__init__(server, {**params, "OPTIONS": options})
        location = (tuple(self._servers), self.key_prefix)
        state = _states.get(location)
        if state is None:
            with _states_lock:
                state = _states.setdefault(location, _ProcessState())
        self._state = state

    # The epoch, in every key.

    def _epoch(self) -> str:
        state = self._state
        now = time.monotonic()
        breaker_open = probing = False
        if state.failed:
            with state.lock:
                if now < state.open_until:
                    breaker_open = True
                else:
                    # One call tries Redis again; the others keep to the fallback meanwhile.
                    state.open_until, probing = now + self.retry_after, True
        # Read again before Redis is tried after a failure: another process may have
        # renewed the epoch while this one could not reach Redis.
        if probing or now - state.epoch_read_at >= self.epoch_ttl:
            try:
                epoch = read_epoch()
            except Exception as error:  # a database down, or one not open to this code
                raise CacheUnavailable("cache epoch unreadable") from error
            with state.lock:
                state.epoch, state.epoch_read_at = epoch, now
        if breaker_open:
            raise BreakerOpen
        return state.epoch

    def make_key(self, key, version=None):
        return f"{self._epoch()}:{super().make_key(key, version)}"

    # The breaker.

    def _failed(self, error: Exception) -> None:
        state = self._state
        with state.lock:
            if time.monotonic() >= state.open_until:
                logger.warning("cache unavailable for %.1f s: %r", self.retry_after, error)
            state.open_until = time.monotonic() + self.retry_after
            state.failed = True

    def _answered(self) -> None:
        state = self._state
        if state.failed:
            with state.lock:
                state.failed, state.open_until = False, 0.0
                state.fallback.clear()  # Redis holds the truth again

    def _run(self, name: str, invalidates: bool, *args, **kwargs):
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except BreakerOpen:
            pass
        except CacheUnavailable:
            # No epoch means no database: no change committed, so none to invalidate.
            return getattr(_NOTHING, name)(*args, **kwargs)
        except RedisError as error:
            self._failed(error)
        else:
            self._answered()
            return result
        if invalidates:
            self._invalidation_lost()
        return getattr(self._state.fallback, name)(*args, **kwargs)

    def _invalidation_lost(self) -> None:
        # After the transaction that made the change, if any: before it, a rollback would
        # leave the old epoch in place (and the change undone, so nothing to invalidate).
        if connection.in_atomic_block:
            transaction.on_commit(_renew_epoch_robustly, robust=True)
        else:
            _renew_epoch_robustly()

    # Reads, and writes that only fill: a loss costs a miss. `add` only ever fills an empty
    # key; counters (rate limits) are lost with Redis.
    get = _guarded("get")
    get_many = _guarded("get_many")
    has_key = _guarded("has_key")
    add = _guarded("add")
    touch = _guarded("touch")
    incr = _guarded("incr")
    fill_many = _guarded("set_many")  # for values just read from the database
    # Writes that may replace what an entry says: a loss renews the epoch.
    set = _guarded("set", invalidates=True)
    set_many = _guarded("set_many", invalidates=True)
    delete = _guarded("delete", invalidates=True)
    delete_many = _guarded("delete_many", invalidates=True)
    clear = _guarded("clear", invalidates=True)

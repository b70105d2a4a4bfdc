"""Django's Redis cache backend, made safe to lose: one pool per process, errors as misses.

- A read that fails (refused, timed out, Redis full) is a miss and a write that fails is
  skipped. After a failure Redis is not tried again for RETRY_AFTER seconds (a circuit
  breaker per process), so a dead or hung Redis costs one short socket timeout per process
  per interval; meanwhile a small cache in the process's memory carries the busiest pages.
- Every key starts with the cache epoch, kept in the database (core.models.CacheEpoch). A
  write that may replace what an entry says (a set, a delete) and does not reach Redis
  renews the epoch, so no entry filed before is read again: whether a user is active, their
  role, an enrollment, are right on the first request after Redis returns. A process reads
  the epoch at most EPOCH_TTL seconds after its last read, and before it tries Redis again
  after a failure. `fill_many()` is for entries that copy the database (a miss filled):
  losing one loses nothing, so it renews nothing.
- Under ASGI Django builds a backend per request, and each built a redis-py pool of its
  own: a new connection for every request (Django ticket #35651). Here the clients, their
  pools and the breaker last as long as the process.
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

from core.breaker import Breaker

logger = logging.getLogger(__name__)

_per_process: dict = {}
_per_process_lock = threading.Lock()


def per_process(key, make):
    """`make()`'s value, made once per process for `key`."""
    value = _per_process.get(key)
    if value is None:
        with _per_process_lock:
            value = _per_process.get(key)
            if value is None:
                value = _per_process[key] = make()
    return value


class SharedPoolRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        server = self._servers[self._get_connection_pool_index(write)]
        options = repr(sorted(self._pool_options.items(), key=repr))
        # redis-py clients are safe to share between threads; each command takes a
        # connection from the pool (which reopens after a fork).
        return per_process(
            ("client", server, self._pool_class, options),
            lambda: self._client(
                connection_pool=self._pool_class.from_url(server, **self._pool_options)
            ),
        )


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient


class _Fallback(LocMemCache):
    """This process's memory, standing in for Redis while the breaker is open: small and
    short-lived, it only carries the busiest pages through an outage."""

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        if timeout is DEFAULT_TIMEOUT or timeout is None:
            timeout = self.default_timeout
        return super().get_backend_timeout(min(timeout, self.default_timeout))


FALLBACK = {"TIMEOUT": 10, "OPTIONS": {"MAX_ENTRIES": 1000}}


@dataclass
class _ProcessState:
    """What every backend of one process and one Redis location shares."""

    name: str
    breaker: Breaker
    lock: threading.Lock = field(default_factory=threading.Lock)  # for the epoch
    epoch: str | None = None
    epoch_read_at: float = float("-inf")
    fallback: _Fallback = field(init=False)

    def __post_init__(self):
        self.fallback = _Fallback(self.name, FALLBACK)

    def read_epoch(self, epoch: str, now: float) -> None:
        """Keep `epoch`, read from the database at `now`, unless a later read (or this
        process's own renewal) is kept already."""
        with self.lock:
            if now < self.epoch_read_at:
                return
            if epoch != self.epoch:
                # What this process filed there during an outage is unreachable in Redis
                # now; an invalidation lost in any process renewed the epoch.
                self.fallback.clear()
            self.epoch, self.epoch_read_at = epoch, now


EPOCH_QUERY = "SELECT token FROM core_cacheepoch ORDER BY id LIMIT 1"


def read_epoch() -> str:
    """The epoch stored in the database, made on first use."""
    connection.ensure_connection()
    # The driver's own cursor: read once a second per process, not per page, so not part
    # of any page's query count (which Django's cursor would make depend on the clock).
    cursor = connection.connection.cursor()  # sqlite3's is no context manager
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
    # One UPDATE where the row exists (every renewal but the first); during an outage each
    # lost invalidation renews.
    if not CacheEpoch.objects.filter(pk=1).update(token=token):
        CacheEpoch.objects.update_or_create(pk=1, defaults={"token": token})
    for key, state in list(_per_process.items()):
        if key[0] == "state":
            state.read_epoch(token, time.monotonic())
    return token


def _renew_epoch_robustly() -> None:
    try:
        renew_epoch()
    except Exception:  # the database down too, or not open to this thread
        logger.exception("cache epoch: could not renew it; cached entries may be stale")


class _NotTried(Exception):
    """Redis is not tried: the breaker is open (`fallback`), or the epoch is unreadable."""

    def __init__(self, fallback: bool):
        self.fallback = fallback


_NOTHING = DummyCache("nothing", {})  # what a cache that holds nothing answers
_calling = threading.local()  # the epoch of the call this thread is making


def _guarded(name: str, invalidates: bool = False, keyed: bool = True):
    # Same name and signature as RedisCache's method, so callers and introspection agree.
    @functools.wraps(getattr(RedisCache, name))
    def method(self, *args, **kwargs):
        return self._run(name, invalidates, keyed, *args, **kwargs)

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
        self._state = per_process(
            ("state", location),
            lambda: _ProcessState(f"cache-fallback-{location}", Breaker(self.retry_after)),
        )

    def make_key(self, key, version=None):
        epoch = getattr(_calling, "epoch", None) or self._epoch()
        return f"{epoch}:{super().make_key(key, version)}"

    def _epoch(self) -> str:
        state, now = self._state, time.monotonic()
        failing = state.breaker.failing
        admitted = state.breaker.admits()  # after a failure, one call an interval
        # Read again before Redis is tried after a failure: another process may have
        # renewed the epoch while this one could not reach Redis.
        if (failing and admitted) or now - state.epoch_read_at >= self.epoch_ttl:
            try:
                state.read_epoch(read_epoch(), now)
            except Exception as error:  # a database down, or one not open to this code
                raise _NotTried(fallback=False) from error
        if not admitted:
            raise _NotTried(fallback=True)
        return state.epoch

    def _run(self, name: str, invalidates: bool, keyed: bool, *args, **kwargs):
        state = self._state
        try:
            if keyed:
                # One epoch for all the keys of a call: were it taken per key, the probe
                # after a failure (the first key) would find the breaker open at the next.
                _calling.epoch = self._epoch()
            elif not state.breaker.admits():
                raise _NotTried(fallback=True)
            result = getattr(super(), name)(*args, **kwargs)
        except _NotTried as not_tried:
            if not not_tried.fallback:
                # No epoch means no database: no change committed, so none to invalidate.
                return getattr(_NOTHING, name)(*args, **kwargs)
        except RedisError as error:
            if state.breaker.failed():
                logger.warning("cache unavailable for %.1f s: %r", self.retry_after, error)
        else:
            if state.breaker.succeeded():
                state.fallback.clear()  # Redis holds the truth again
            return result
        finally:
            _calling.epoch = None
        if invalidates:
            # After the transaction that made the change, if any: before it, a rollback
            # would leave the old epoch in place (and the change undone).
            if connection.in_atomic_block:
                transaction.on_commit(_renew_epoch_robustly, robust=True)
            else:
                _renew_epoch_robustly()
        return getattr(state.fallback, name)(*args, **kwargs)

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
    # Every key goes, whatever its epoch: a clear needs no database to read the epoch from.
    clear = _guarded("clear", invalidates=True, keyed=False)

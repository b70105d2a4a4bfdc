"""Cache entries that stay valid only while the versions they were built under are current.

A write changes a version instead of finding and deleting every entry made from the data it
touched: entries filed under an older version are never used again and expire on their own.
A reader fetches the versions and the entries it wants in one round trip, and reads the
versions before the database, so a value built while a change commits is filed under the
older version and built again on the next read.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction


def fresh_version() -> int:
    # Never a number used before: were a version lost (eviction, a Redis restart), entries
    # cached under an older number must not become valid again.
    return time.time_ns()


@dataclass(frozen=True, slots=True)
class Version:
    key: str
    timeout: int | None = None  # seconds; None keeps it until it is evicted

    def current(self) -> int:
        return cache.get_or_set(self.key, fresh_version, self.timeout)


def changed(versions: Iterable[Version]) -> None:
    """Give `versions` new values once the current transaction commits.

    Not before: a reader could otherwise file what it read of the uncommitted (and perhaps
    rolled back) rows under the new value. Robust: were the cache unreachable, the error is
    logged and the transaction's other on-commit work still runs; entries that depend on
    per-user versions expire within minutes (see their timeouts).
    """
    versions = set(versions)
    if versions:
        transaction.on_commit(lambda: renew(versions), robust=True)


# When this process last renewed each version (monotonic ns). A value read early in a request
# and kept for later in it (accounts.user_cache.CachedReads) is not used once this process
# has renewed a version it depends on since: a page that notifies its own reader and renders
# at once must show it. The oldest marks go first beyond a bound; requests run in threads.
_renewed_here: OrderedDict[str, int] = OrderedDict()
_renewed_here_lock = threading.Lock()
_RENEWED_HERE_KEPT = 10_000


def renew(versions: Iterable[Version]) -> None:
    """Give `versions` new values now: for code that already runs once a write commits."""
    versions = set(versions)
    now = time.monotonic_ns()
    with _renewed_here_lock:
        for version in versions:
            _renewed_here[version.key] = now
            _renewed_here.move_to_end(version.key)
        while len(_renewed_here) > _RENEWED_HERE_KEPT:
            _renewed_here.popitem(last=False)
    for timeout in {version.timeout for version in versions}:
        cache.set_many({v.key: fresh_version() for v in versions if v.timeout == timeout}, timeout)


def renewed_here_since(versions: Iterable[Version], since_ns: int) -> bool:
    """Whether this process has renewed any of `versions` since `since_ns` (monotonic)."""
    return any(_renewed_here.get(version.key, -1) >= since_ns for version in versions)


def read(wanted: Mapping[str, Sequence[Version]]) -> tuple[dict[Version, int], dict[str, Any]]:
    """(current value of each version, {key: value} of the `wanted` keys still valid).

    `wanted` maps each entry's key to the versions it was built under. One round trip, plus
    one for each version not set yet.
    """
    versions = {version for needed in wanted.values() for version in needed}
    found = cache.get_many([*(version.key for version in versions), *wanted])
    current = _current_values(versions, found)
    values = {}
    for key, needed in wanted.items():
        entry = found.get(key)
        if entry is not None and entry[0] == tuple(current[version] for version in needed):
            values[key] = entry[1]
    return current, values


def current(versions: Sequence[Version]) -> tuple[int, ...]:
    """The current values of `versions`, in one round trip: part of a key for other caches."""
    values = _current_values(versions, cache.get_many([version.key for version in versions]))
    return tuple(values[version] for version in versions)


def _current_values(versions, found: dict) -> dict[Version, int]:
    return {version: found.get(version.key) or version.current() for version in versions}


def write(
    entries: Mapping[str, Any],
    versions: Sequence[Version],
    current: Mapping[Version, int],
    timeout: int,
) -> None:
    """File `entries` under the values of `versions` read (by `read()`) before they were built."""
    tag = tuple(current[version] for version in versions)
    cache.set_many({key: (tag, value) for key, value in entries.items()}, timeout)


def stored_before_save(instance, field: str, lookup: str, update_fields=None) -> list:
    """For a pre_save receiver: `lookup` of the row as stored, when `field` may change.

    A row handed to another user (an admin can) changes the first user's data too: that
    user's versions must change with the new owner's.
    """
    if instance.pk is None or (update_fields is not None and field not in update_fields):
        return []
    rows = type(instance)._default_manager.filter(pk=instance.pk)
    return list(rows.values_list(lookup, flat=True))

"""The site's one cache mechanism: entries read through, valid under named versions.

A change moves a version instead of finding and deleting the entries made from what it
touched: entries filed under an older version are never read again and expire on their own.

- Versions come in families (`Family`): one version for all course content, one per user
  for their row, their progress, their notifications. Each app declares once, beside its
  models, which models move which family (`track`): through signals, and through
  `TrackedQuerySet` for `update()` and `bulk_create()`, which tracked models must use.
- Entries come in kinds (`Kind`): a name, the versions an entry depends on, a timeout, and
  the shape of its values (a dataclass's fields, a model's columns, or a name), which is
  part of every key, so a release that changes a shape never reads older entries.
- `read(*entries)` fetches entries and their versions in one round trip; `Found.get(entry,
  build)` builds a missing entry and files it under the versions read before the database
  was, so a value built while a change commits is built again on the next read. None is
  never cached.

The store is the default cache: Redis in production (where a failure is a miss, see
core.redis_cache), else each process's memory (`make run` serves one process).
"""

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from functools import partial
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

DAY = 24 * 60 * 60


def fresh_version() -> int:
    # Never a number used before: were a version lost (eviction, a Redis restart), entries
    # cached under an older number must not become valid again.
    return time.time_ns()


@dataclass(frozen=True, slots=True)
class Version:
    key: str
    timeout: int | None

    def current(self) -> int:
        return cache.get_or_set(self.key, fresh_version, self.timeout)


@dataclass(frozen=True, slots=True)
class Family:
    """Versions of one kind of data: one for all of it (`of()`), or one per owner (`of(id)`)."""

    name: str
    timeout: int | None = DAY  # bounds how long versions of owners who left stay stored

    def of(self, ident=None) -> Version:
        suffix = "" if ident is None else f":{ident}"
        return Version(f"version:{self.name}{suffix}", self.timeout)


def shape_marker(shape) -> str:
    """A short digest of what a value holds: a deploy that changes it reads other keys."""
    if isinstance(shape, str):
        described = shape
    elif is_dataclass(shape):
        described = ",".join(f.name for f in fields(shape))
    elif isinstance(shape, type) and issubclass(shape, models.Model):
        described = ",".join(f.attname for f in shape._meta.concrete_fields)
    elif isinstance(shape, tuple):
        described = "|".join(map(shape_marker, shape))
    else:
        raise TypeError(f"no shape for {shape!r}")
    return hashlib.sha256(described.encode()).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    versions: tuple[Version, ...]
    timeout: int


class Kind:
    """A kind of entry: `kind(*ident)` is the entry for those identifiers."""

    def __init__(self, name: str, *, shape, versions: Callable[..., Sequence[Version]], timeout):
        self.prefix = f"{name}:{shape_marker(shape)}"
        self.versions = versions
        self.timeout = timeout

    def __call__(self, *ident) -> Entry:
        key = ":".join([self.prefix, *map(str, ident)])
        return Entry(key, tuple(self.versions(*ident)), self.timeout)


class Found:
    """What one `read()` found, and the versions it read with it."""

    def __init__(self, current: dict[Version, int], values: dict[Entry, Any]):
        self.current = current
        self.values = values

    def __contains__(self, entry: Entry) -> bool:
        return entry in self.values

    def get(self, entry: Entry, build: Callable[[], Any] | None = None):
        """The entry's value; else `build()`'s, filed under the versions read (None: not filed)."""
        if entry in self.values or build is None:
            return self.values.get(entry)
        if not self.current.keys() >= set(entry.versions):  # not part of this read
            return get(entry, build)
        value = build()
        if value is not None:
            self.store({entry: value})
        return value

    def tag(self, entry: Entry) -> tuple[int, ...]:
        """The values of the versions `entry` is valid under, as this read found them: what
        its value was (or is now) filed under, so also a key for what is made from it."""
        return tuple(self.current[version] for version in entry.versions)

    def store(self, values: dict[Entry, Any]) -> None:
        """File `values` (of entries whose versions this read fetched), under those versions."""
        items = ((entry, (self.tag(entry), value)) for entry, value in values.items())
        _write(getattr(cache, "fill_many", cache.set_many), items)


def read(*entries: Entry) -> Found:
    """The entries still valid, with the current value of every version they depend on.

    One round trip, plus one for each version not stored yet.
    """
    versions = {version for entry in entries for version in entry.versions}
    stored = cache.get_many([*(version.key for version in versions), *(e.key for e in entries)])
    current = {version: stored.get(version.key) or version.current() for version in versions}
    values = {}
    for entry in entries:
        cached = stored.get(entry.key)
        if cached is not None and cached[0] == tuple(current[v] for v in entry.versions):
            values[entry] = cached[1]
    return Found(current, values)


def get(entry: Entry, build: Callable[[], Any]):
    """The entry's value, built on a miss: `read(entry).get(entry, build)`."""
    return read(entry).get(entry, build)


def changed(versions: Iterable[Version]) -> None:
    """Give `versions` new values once the current transaction commits.

    Not before: a reader could otherwise file what it read of the uncommitted (and perhaps
    rolled back) rows under the new value.
    """
    versions = set(versions)
    if versions:
        transaction.on_commit(lambda: renew(versions), robust=True)


def renew(versions: Iterable[Version]) -> None:
    """Give `versions` new values now. Should the cache not take them, core.redis_cache
    renews its epoch instead, which makes every entry unreachable."""
    _write(cache.set_many, ((version, fresh_version()) for version in set(versions)))


def _write(set_many, items: Iterable[tuple[Entry | Version, Any]]) -> None:
    """`set_many` the values of entries or versions, one call per timeout."""
    by_timeout: dict[int | None, dict] = {}
    for stored, value in items:
        by_timeout.setdefault(stored.timeout, {})[stored.key] = value
    for timeout, data in by_timeout.items():
        set_many(data, timeout)


# Which models move which versions, declared once per app.


@dataclass(frozen=True, slots=True)
class Rule:
    family: Family
    path: str | None  # the owner's id on a row (a field path); None: the family's one version
    ignored: frozenset[str]  # fields whose changes move nothing (counters shown with a lag)

    def moves(self, changed_fields: Iterable[str] | None) -> bool:
        return changed_fields is None or not set(changed_fields) <= self.ignored

    def owners(self, instance) -> list:
        if self.path is None:
            return [None]
        value = instance
        for name in self.path.split("__"):
            value = getattr(value, name)
        return [value]

    def owners_in(self, rows: models.QuerySet) -> list:
        if self.path is None:
            return [None]
        return list(rows.order_by().values_list(self.path, flat=True).distinct())

    def field_in(self, names: Iterable[str]) -> bool:
        """Whether `names` (fields or their attnames) include the field rows move with."""
        return bool({self.moves_with, f"{self.moves_with}_id"} & set(names))

    @property
    def moves_with(self) -> str | None:
        """The field whose change hands a row to another owner (None: rows never move)."""
        if self.path in (None, "pk", "id"):
            return None
        return self.path.split("__")[0].removesuffix("_id")


_rules: dict[type, list[Rule]] = {}


def rules_of(model) -> list[Rule]:
    return _rules.get(model, [])


def track(model, family: Family, path: str | None = None, *, ignore: Iterable[str] = ()) -> None:
    """Every change to a row of `model` moves `family`'s version of the row's `path` value
    (the one version when `path` is None), once it commits.

    `ignore`: fields whose own changes move nothing. `model` may be a many-to-many table
    (`Course.instructors.through`) of a family with one version.
    """
    auto_created = model._meta.auto_created
    if auto_created and path is not None:
        raise ImproperlyConfigured("many-to-many tables move families with one version only")
    if not auto_created:
        for manager in model._meta.managers:
            if not issubclass(manager._queryset_class, TrackedQuerySet):
                raise ImproperlyConfigured(
                    f"{model.__name__}.{manager.name} must use core.cache.TrackedQuerySet"
                )
    _rules.setdefault(model, []).append(Rule(family, path, frozenset(ignore)))
    if auto_created:
        m2m_changed.connect(_m2m_changed, sender=model, weak=False, dispatch_uid="cache")
        return
    pre_save.connect(_before_save, sender=model, weak=False, dispatch_uid=f"cache:{model._meta}")
    for field in model._meta.fields:
        if field.is_relation and field.remote_field.on_delete in (
            models.SET_NULL,
            models.SET_DEFAULT,
        ):
            # Django sets these through a plain query, past TrackedQuerySet and the signals.
            pre_delete.connect(
                partial(_referenced_row_deleted, model, field.name),
                sender=field.remote_field.model,  # a class, or a lazy "app.Model"
                weak=False,
                dispatch_uid=f"cache:{model._meta}:{field.name}",
            )
    post_save.connect(_saved, sender=model, weak=False, dispatch_uid=f"cache:{model._meta}")
    post_delete.connect(_deleted, sender=model, weak=False, dispatch_uid=f"cache:{model._meta}")


def _before_save(sender, instance, update_fields=None, raw=False, **kwargs):
    # A row handed to another owner (an admin can) changes the first owner's data too.
    if instance.pk is None:
        return
    for rule in rules_of(sender):
        if rule.moves_with is None or (
            update_fields is not None and not rule.field_in(update_fields)
        ):
            continue
        before = rule.owners_in(sender._default_manager.filter(pk=instance.pk))
        changed(rule.family.of(owner) for owner in before)


def _referenced_row_deleted(model, field_name, sender, instance, **kwargs):
    rows = model._default_manager.filter(**{field_name: instance})
    changed(
        rule.family.of(owner)
        for rule in rules_of(model)
        if rule.moves([field_name])
        for owner in rule.owners_in(rows)
    )


def _saved(sender, instance, update_fields=None, **kwargs):
    changed(
        rule.family.of(owner)
        for rule in rules_of(sender)
        if rule.moves(update_fields)
        for owner in rule.owners(instance)
    )


def _deleted(sender, instance, origin=None, **kwargs):
    origin_model = origin.model if isinstance(origin, models.QuerySet) else type(origin)
    versions = []
    for rule in rules_of(sender):
        if rule.path and "__" in rule.path and origin is not None and origin_model is not sender:
            # Deleted with a row it belongs to, whose own rule moves what it must: looking
            # its owner up through the deleted rows would cost a query apiece.
            continue
        versions += [rule.family.of(owner) for owner in rule.owners(instance)]
    changed(versions)


def _m2m_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        changed(rule.family.of() for rule in rules_of(sender))


class TrackedQuerySet(models.QuerySet):
    """Bulk writes that move the versions their rows' model is tracked under (see `track`)."""

    def update(self, **kwargs):
        rules = [rule for rule in rules_of(self.model) if rule.moves(kwargs)]
        versions = [rule.family.of(owner) for rule in rules for owner in rule.owners_in(self)]
        # Rows handed to another owner change the new owner's data too: their owners are
        # read again afterwards (a rare write, so the extra queries are only paid then).
        handing = [rule for rule in rules if rule.moves_with and rule.field_in(kwargs)]
        pks = list(self.values_list("pk", flat=True)) if handing else []
        count = super().update(**kwargs)
        if handing:
            rows = self.model._default_manager.filter(pk__in=pks)
            versions += [
                rule.family.of(owner) for rule in handing for owner in rule.owners_in(rows)
            ]
        if count:
            changed(versions)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        versions = []
        for rule in rules_of(self.model):
            if rule.path is not None and "__" in rule.path:
                rows = self.model._default_manager.filter(pk__in=[obj.pk for obj in created])
                owners = rule.owners_in(rows)
            else:
                owners = {owner for obj in created for owner in rule.owners(obj)}
            versions += [rule.family.of(owner) for owner in owners]
        changed(versions)
        return created

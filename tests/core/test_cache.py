"""core.cache, rule by rule: versions, shapes, reads in one round trip, filing under the
versions read, renewals on commit, and every way a tracked model's rows change.

A version's value is watched with `Version.current()` before and after a change; changes are
made inside `committed()` (the test's own transaction never commits).
"""

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from inspect import signature
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import USER_VERSIONS, User
from core import cache
from courses.models import CONTENT_VERSIONS, Category, Course, Lecture, Module
from notifications.models import NOTIFICATION_VERSIONS, Notification
from payments.models import Order
from progress.models import LEARNER_VERSIONS, Enrollment, LectureCompletion, Review
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    LectureCompletionFactory,
    LectureFactory,
    NotificationFactory,
    StudentFactory,
)
from tests.redis_server import settings_with_redis

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

# A family and kinds of this module's own: no model moves them, so only the test does.
THINGS = cache.Family("test-things")
OTHERS = cache.Family("test-others")
THING = cache.Kind("test-thing", shape="str", versions=lambda ident: [THINGS.of(ident)], timeout=60)
PAIR = cache.Kind(
    "test-pair",
    shape="str",
    versions=lambda ident: [THINGS.of(ident), OTHERS.of(ident)],
    timeout=120,
)


class Watch:
    """Which of `versions` have moved since the watch began."""

    def __init__(self, *versions: cache.Version):
        self.before = {version: version.current() for version in versions}

    def moved(self) -> set[cache.Version]:
        return {version for version, was in self.before.items() if version.current() != was}


def _backend() -> type:
    return type(caches["default"])


def _spy(name: str):
    backend = _backend()
    return mock.patch.object(backend, name, autospec=True, side_effect=getattr(backend, name))


def _argument(spy, call, name: str):
    """An argument of a recorded call, by name, however it was passed."""
    return signature(spy).bind(*call.args, **call.kwargs).arguments[name]


def _writes(spy) -> dict[frozenset, object]:
    """{keys written together: their timeout} of a spied set_many/fill_many."""
    return {
        frozenset(_argument(spy, call, "data")): _argument(spy, call, "timeout")
        for call in spy.call_args_list
    }


def _store_method() -> str:
    # What Found.store writes with: fill_many where the backend has one (Redis).
    return "fill_many" if hasattr(_backend(), "fill_many") else "set_many"


def _selects(ctx) -> list[str]:
    return [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]


@contextmanager
def _rolled_back():
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


# Versions.


def test_a_version_keeps_its_value_until_renewed_and_each_owner_has_its_own():
    one, two, whole = THINGS.of(1), THINGS.of(2), THINGS.of()
    assert len({one.key, two.key, whole.key}) == 3
    watch = Watch(one, two, whole)
    assert one.current() == watch.before[one]  # stored on first use, then read back
    cache.renew([one])
    assert watch.moved() == {one}


def test_a_lost_version_never_makes_older_entries_valid_again():
    # An evicted version gets a value never used before, not one an old entry was filed under.
    assert cache.get(THING(1), lambda: "before") == "before"
    caches["default"].delete(THINGS.of(1).key)
    assert THING(1) not in cache.read(THING(1))


def test_a_version_is_stored_with_its_familys_timeout():
    with _spy("get_or_set") as spy:
        CONTENT_VERSIONS.of().current()
        LEARNER_VERSIONS.of(7).current()
    timeouts = {_argument(spy, c, "key"): _argument(spy, c, "timeout") for c in spy.call_args_list}
    assert timeouts == {"version:content": None, "version:learner:7": cache.DAY}


def test_renew_stores_each_version_with_its_familys_timeout():
    content, learner = CONTENT_VERSIONS.of(), LEARNER_VERSIONS.of(7)
    watch = Watch(content, learner)
    with _spy("set_many") as spy:
        cache.renew([content, learner])
    assert _writes(spy) == {frozenset([content.key]): None, frozenset([learner.key]): cache.DAY}
    assert watch.moved() == {content, learner}


# Shapes.


@dataclass
class Card:
    title: str
    percent: int


@dataclass
class CardWithUrl:
    title: str
    percent: int
    url: str


@dataclass
class SameAsCard:  # another class, the same fields: the same values
    title: str
    percent: int


def _model(*, with_course: bool) -> type[models.Model]:
    # Abstract, so never registered: the same name, different columns.
    attrs = {
        "__module__": __name__,
        "title": models.CharField(max_length=10),
        "Meta": type("Meta", (), {"abstract": True, "app_label": "core"}),
    }
    if with_course:
        attrs["course"] = models.ForeignKey(Course, on_delete=models.CASCADE)
    return type("Thing", (models.Model,), attrs)


def test_a_dataclass_gaining_a_field_has_another_marker():
    assert cache.shape_marker(Card) != cache.shape_marker(CardWithUrl)


def test_a_model_with_other_columns_has_another_marker():
    plain, with_course = _model(with_course=False), _model(with_course=True)
    assert cache.shape_marker(plain) != cache.shape_marker(with_course)
    assert cache.shape_marker(plain) == cache.shape_marker(_model(with_course=False))


def test_a_tuple_shape_changes_with_any_member():
    assert cache.shape_marker(("ids", Card)) != cache.shape_marker(("ids", CardWithUrl))
    assert cache.shape_marker(("ids", Card)) != cache.shape_marker(("rows", Card))


def test_equal_shapes_have_equal_markers():
    assert cache.shape_marker(Card) == cache.shape_marker(SameAsCard)
    assert cache.shape_marker(("int", Card)) == cache.shape_marker(("int", SameAsCard))


def test_markers_are_the_same_in_every_process():
    # Another process (another deploy's worker) must read the keys this one wrote: no
    # per-process hash randomisation in the digest.
    code = (
        "import django, dataclasses; django.setup()\n"
        "from core.cache import shape_marker\n"
        "from courses.models import Course\n"
        "Card = dataclasses.make_dataclass('Card', ['title', 'percent'])\n"
        "print(shape_marker('int'), shape_marker(Course), shape_marker(Card))\n"
    )
    expected = [cache.shape_marker(s) for s in ("int", Course, Card)]
    for seed in ("1", "2"):
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "edusphere.settings",
        }
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == expected


@pytest.mark.parametrize("shape", [42, object, None])
def test_a_shape_of_no_known_kind_is_refused(shape):
    with pytest.raises(TypeError):
        cache.shape_marker(shape)


def test_an_entry_filed_under_an_older_shape_is_not_read():
    older = cache.Kind("test-card", shape=Card, versions=lambda i: [THINGS.of(i)], timeout=60)
    newer = cache.Kind(
        "test-card", shape=CardWithUrl, versions=lambda i: [THINGS.of(i)], timeout=60
    )
    assert cache.shape_marker(Card) in older(1).key
    assert cache.get(older(1), lambda: Card("A", 5)) == Card("A", 5)
    assert newer(1) not in cache.read(newer(1))


def test_a_kinds_entry_is_named_and_versioned_by_its_identifiers():
    assert THING(1).key != THING(2).key
    assert PAIR(3).versions == (THINGS.of(3), OTHERS.of(3))
    assert THING(3).timeout == 60


# read() and Found.


def test_read_fetches_several_entries_and_their_versions_in_one_round_trip():
    cache.get(THING(1), lambda: "one")
    cache.get(PAIR(2), lambda: "two")
    entries = (THING(1), PAIR(2), THING(3))
    for version in {v for e in entries for v in e.versions}:
        version.current()  # all stored: nothing to make
    with _spy("get_many") as get_many, _spy("get_or_set") as get_or_set:
        found = cache.read(*entries)
    assert get_many.call_count == 1
    keys = set(_argument(get_many, get_many.call_args, "keys"))
    assert keys == {e.key for e in entries} | {v.key for e in entries for v in e.versions}
    assert get_or_set.call_count == 0
    assert (found.get(THING(1)), found.get(PAIR(2)), found.get(THING(3))) == ("one", "two", None)
    assert THING(3) not in found


def test_read_makes_only_the_versions_not_stored_yet():
    THINGS.of(1).current()
    with _spy("get_or_set") as get_or_set:
        cache.read(PAIR(1))
    assert [_argument(get_or_set, c, "key") for c in get_or_set.call_args_list] == [
        OTHERS.of(1).key
    ]


def test_an_entry_filed_under_an_older_version_is_a_miss():
    cache.get(THING(1), lambda: "old")
    cache.get(THING(2), lambda: "kept")
    cache.renew([THINGS.of(1)])
    found = cache.read(THING(1), THING(2))
    assert THING(1) not in found
    assert found.get(THING(2)) == "kept"


def test_an_entry_is_valid_only_while_every_version_it_depends_on_is():
    cache.get(PAIR(1), lambda: "old")
    cache.renew([OTHERS.of(1)])  # the second of its two versions
    assert PAIR(1) not in cache.read(PAIR(1))


def test_found_get_builds_on_a_miss_and_files_the_value():
    build = mock.Mock(return_value="built")
    assert cache.read(THING(1)).get(THING(1), build) == "built"
    found = cache.read(THING(1))
    assert found.get(THING(1), build) == "built"
    assert build.call_count == 1


def test_found_get_of_an_entry_outside_its_read_reads_it_and_files_it():
    # A page that passes on another read's Found must not fail (or file under no version).
    cache.get(THING(2), lambda: "cached")
    found = cache.read(THING(1))
    assert found.get(THING(2), mock.Mock(return_value="built")) == "cached"
    assert found.get(THING(3), lambda: "built") == "built"
    assert cache.read(THING(3)).get(THING(3)) == "built"


def test_found_get_without_a_build_only_reads():
    found = cache.read(THING(1))
    assert found.get(THING(1)) is None
    assert THING(1) not in cache.read(THING(1))


def test_a_falsy_value_is_filed():
    # An unread count of 0 is the common case: it must be cached too.
    build = mock.Mock(return_value=0)
    assert cache.get(THING(1), build) == 0
    assert cache.get(THING(1), build) == 0
    assert build.call_count == 1


def test_none_is_never_filed():
    build = mock.Mock(return_value=None)
    assert cache.get(THING(1), build) is None
    assert cache.get(THING(1), build) is None
    assert build.call_count == 2
    assert caches["default"].get(THING(1).key) is None


def test_a_value_built_while_its_version_moves_is_built_again_on_the_next_read():
    # The version moves between the read and the filing (a change committing meanwhile):
    # the value, possibly read before the change, is filed under the version read before.
    def build():
        cache.renew([THINGS.of(1)])
        return "maybe stale"

    assert cache.get(THING(1), build) == "maybe stale"
    assert THING(1) not in cache.read(THING(1))
    assert cache.get(THING(1), lambda: "fresh") == "fresh"


def test_store_files_each_entry_with_its_kinds_timeout():
    found = cache.read(THING(1), THING(2), PAIR(1))
    with _spy(_store_method()) as spy:
        found.store({THING(1): "a", THING(2): "b", PAIR(1): "c"})
    assert _writes(spy) == {
        frozenset([THING(1).key, THING(2).key]): 60,
        frozenset([PAIR(1).key]): 120,
    }
    assert cache.read(THING(1), THING(2), PAIR(1)).values == {
        THING(1): "a",
        THING(2): "b",
        PAIR(1): "c",
    }


def test_store_fills_through_fill_many_on_redis(settings, redis_server):
    # On Redis a lost set_many renews the cache epoch; a lost fill only costs a miss.
    production = settings_with_redis(redis_server.url)
    settings.CACHES = {**settings.CACHES, "default": production["CACHES"]["default"]}
    found = cache.read(THING(1))
    with _spy("set_many") as set_many, _spy("fill_many") as fill_many:
        found.store({THING(1): "a"})
    assert (set_many.call_count, fill_many.call_count) == (0, 1)
    assert cache.read(THING(1)).get(THING(1)) == "a"


# changed(): renewals once the transaction commits.


def test_changed_renews_only_once_the_transaction_commits(committed):
    watch = Watch(THINGS.of(1))
    with committed():
        cache.changed([THINGS.of(1)])
        assert watch.moved() == set()
    assert watch.moved() == {THINGS.of(1)}


def test_changed_in_a_rolled_back_block_renews_nothing(committed):
    watch = Watch(THINGS.of(1))
    with committed(), _rolled_back():
        cache.changed([THINGS.of(1)])
    assert watch.moved() == set()


def test_a_change_to_a_tracked_row_rolled_back_moves_nothing(committed, student):
    watch = Watch(NOTIFICATION_VERSIONS.of(student.pk))
    with committed(), _rolled_back():
        NotificationFactory(recipient=student)
    assert watch.moved() == set()


def test_changed_with_no_version_waits_for_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        cache.changed([])
    assert callbacks == []


def test_a_renewal_that_fails_does_not_stop_the_commits_other_callbacks(committed):
    backend = _backend()
    set_many = backend.set_many
    calls = []

    def fail_first(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionError("cache down")
        return set_many(self, *args, **kwargs)

    watch = Watch(OTHERS.of(1))
    failing = mock.patch.object(backend, "set_many", autospec=True, side_effect=fail_first)
    with failing, committed():
        cache.changed([THINGS.of(1)])
        cache.changed([OTHERS.of(1)])
    assert watch.moved() == {OTHERS.of(1)}


# track().


@pytest.fixture
def rules_restored():
    """core.cache._rules and the signals as they were: a test's track() never outlives it."""
    before = {model: list(rules) for model, rules in cache._rules.items()}
    yield
    for model in set(cache._rules) - set(before):
        uid = f"cache:{model._meta}"
        for signal in (pre_save, post_save, post_delete):
            signal.disconnect(sender=model, dispatch_uid=uid)
        m2m_changed.disconnect(sender=model, dispatch_uid="cache")
    cache._rules.clear()
    cache._rules.update(before)


def test_track_refuses_a_model_whose_managers_write_untracked(rules_restored):
    assert not issubclass(Order._default_manager._queryset_class, cache.TrackedQuerySet)
    with pytest.raises(ImproperlyConfigured, match="Order.objects"):
        cache.track(Order, THINGS, "student_id")
    assert Order not in cache._rules


def test_track_refuses_an_owner_path_on_a_many_to_many_table(rules_restored):
    through = Course.instructors.through
    with pytest.raises(ImproperlyConfigured):
        cache.track(through, USER_VERSIONS, "user_id")
    assert [rule.family for rule in cache.rules_of(through)] == [CONTENT_VERSIONS]


def test_every_tracked_model_writes_through_tracked_querysets():
    models_ = apps.get_models()
    tracked = [model for model in models_ if model in cache._rules]
    expected = {User, Course, Category, Module, Lecture, Enrollment, LectureCompletion, Review}
    assert expected | {Notification} <= set(tracked)
    for model in tracked:
        for manager in model._meta.managers:
            assert issubclass(manager._queryset_class, cache.TrackedQuerySet), (
                f"{model.__name__}.{manager.name}"
            )
    # Everything else tracked is a many-to-many table, whose changes come by m2m_changed.
    for model in set(cache._rules) - set(tracked):
        assert model._meta.auto_created, model


# TrackedQuerySet.update() and bulk_update().


def test_update_moves_the_owners_of_the_matched_rows(committed):
    first, second, untouched = EnrollmentFactory.create_batch(3)
    watch = Watch(*(LEARNER_VERSIONS.of(e.student_id) for e in (first, second, untouched)))
    with committed():
        count = Enrollment.objects.filter(pk__in=[first.pk, second.pk]).update(
            last_activity_at=timezone.now()
        )
    assert count == 2
    assert watch.moved() == {
        LEARNER_VERSIONS.of(first.student_id),
        LEARNER_VERSIONS.of(second.student_id),
    }


def test_update_through_a_deep_path_moves_the_owners(committed):
    completion, other = LectureCompletionFactory.create_batch(2)
    owner = LEARNER_VERSIONS.of(completion.enrollment.student_id)
    watch = Watch(owner, LEARNER_VERSIONS.of(other.enrollment.student_id))
    with committed():
        LectureCompletion.objects.filter(pk=completion.pk).update(completed_at=timezone.now())
    assert watch.moved() == {owner}


def test_update_of_ignored_fields_only_moves_nothing(committed):
    course = CourseFactory()
    watch = Watch(CONTENT_VERSIONS.of())
    with committed():
        Course.objects.filter(pk=course.pk).update(
            enrollment_count=F("enrollment_count") + 1, rating_count=3, rating_average=4
        )
    assert watch.moved() == set()
    with committed():
        Course.objects.filter(pk=course.pk).update(rating_count=4, title="Renamed")
    assert watch.moved() == {CONTENT_VERSIONS.of()}


@pytest.mark.parametrize("by", ["student", "student_id"])
def test_update_handing_rows_to_another_owner_moves_both(committed, by):
    enrollment, other = EnrollmentFactory(), StudentFactory()
    watch = Watch(LEARNER_VERSIONS.of(enrollment.student_id), LEARNER_VERSIONS.of(other.pk))
    new_owner = other if by == "student" else other.pk
    with committed():
        Enrollment.objects.filter(pk=enrollment.pk).update(**{by: new_owner})
    assert watch.moved() == set(watch.before)


def test_update_matching_no_row_moves_nothing(committed):
    other = StudentFactory()
    watch = Watch(LEARNER_VERSIONS.of(other.pk), CONTENT_VERSIONS.of())
    with committed():
        assert Enrollment.objects.filter(pk=-1).update(student=other) == 0
        assert Course.objects.filter(pk=-1).update(title="Nothing") == 0
    assert watch.moved() == set()


def test_owners_are_read_once_each_whatever_the_models_ordering(student):
    # Notifications are ordered by date: a DISTINCT that kept the ordering would read an
    # owner once per row (a bulk "mark all read" would fetch every row's recipient).
    NotificationFactory.create_batch(3, recipient=student)
    (rule,) = cache.rules_of(Notification)
    assert rule.owners_in(Notification.objects.filter(recipient=student)) == [student.pk]


def test_update_handing_rows_to_another_owner_through_a_deep_path_moves_both(committed):
    completion, elsewhere = LectureCompletionFactory(), EnrollmentFactory()
    old = LEARNER_VERSIONS.of(completion.enrollment.student_id)
    new = LEARNER_VERSIONS.of(elsewhere.student_id)
    watch = Watch(old, new)
    with committed():
        LectureCompletion.objects.filter(pk=completion.pk).update(enrollment=elsewhere)
    assert watch.moved() == {old, new}


def test_bulk_update_moves_the_owners_of_the_rows(committed):
    first, second = EnrollmentFactory.create_batch(2)
    watch = Watch(LEARNER_VERSIONS.of(first.student_id), LEARNER_VERSIONS.of(second.student_id))
    first.last_activity_at = timezone.now()
    with committed():
        Enrollment.objects.bulk_update([first], ["last_activity_at"])
    assert watch.moved() == {LEARNER_VERSIONS.of(first.student_id)}


def test_bulk_update_handing_rows_to_another_owner_moves_both(committed):
    enrollment, other = EnrollmentFactory(), StudentFactory()
    watch = Watch(LEARNER_VERSIONS.of(enrollment.student_id), LEARNER_VERSIONS.of(other.pk))
    enrollment.student = other
    with committed():
        Enrollment.objects.bulk_update([enrollment], ["student"])
    assert watch.moved() == set(watch.before)


# TrackedQuerySet.bulk_create().


def test_bulk_create_moves_each_new_rows_owner_without_a_query(committed):
    course, first, second, bystander = CourseFactory(), *StudentFactory.create_batch(3)
    watch = Watch(*(LEARNER_VERSIONS.of(s.pk) for s in (first, second, bystander)))
    with committed(), CaptureQueriesContext(connection) as ctx:
        Enrollment.objects.bulk_create(
            [Enrollment(student=first, course=course), Enrollment(student=second, course=course)]
        )
    assert _selects(ctx) == []
    assert watch.moved() == {LEARNER_VERSIONS.of(first.pk), LEARNER_VERSIONS.of(second.pk)}


def test_bulk_create_moves_owners_through_a_deep_path_in_one_query(committed):
    lectures = LectureFactory.create_batch(2)
    enrollments = EnrollmentFactory.create_batch(2)
    bystander = EnrollmentFactory()
    watch = Watch(*(LEARNER_VERSIONS.of(e.student_id) for e in [*enrollments, bystander]))
    rows = [LectureCompletion(enrollment=e, lecture=lec) for e in enrollments for lec in lectures]
    with committed(), CaptureQueriesContext(connection) as ctx:
        LectureCompletion.objects.bulk_create(rows)
    assert len(_selects(ctx)) == 1
    assert watch.moved() == {LEARNER_VERSIONS.of(e.student_id) for e in enrollments}


def test_bulk_create_of_a_model_with_one_version_moves_it(committed):
    category = CourseFactory().category
    watch = Watch(CONTENT_VERSIONS.of())
    with committed():
        Course.objects.bulk_create([Course(title="New", slug="new", category=category)])
    assert watch.moved() == {CONTENT_VERSIONS.of()}


# Signals: save, delete, many-to-many changes.


@pytest.mark.parametrize(
    ("make", "version_of"),
    [
        (NotificationFactory, lambda n: NOTIFICATION_VERSIONS.of(n.recipient_id)),
        (EnrollmentFactory, lambda e: LEARNER_VERSIONS.of(e.student_id)),
        (LectureCompletionFactory, lambda c: LEARNER_VERSIONS.of(c.enrollment.student_id)),
        (StudentFactory, lambda u: USER_VERSIONS.of(u.pk)),
        (LectureFactory, lambda _: CONTENT_VERSIONS.of()),
    ],
    ids=["notification", "enrollment", "completion", "user", "lecture"],
)
def test_save_moves_the_rows_version(committed, make, version_of):
    row = make()
    watch = Watch(version_of(row), THINGS.of())
    with committed():
        row.save()
    assert watch.moved() == {version_of(row)}


def test_creating_a_row_moves_its_owner(committed, student):
    watch = Watch(NOTIFICATION_VERSIONS.of(student.pk))
    with committed():
        NotificationFactory(recipient=student)
    assert watch.moved() == set(watch.before)


def test_save_of_ignored_fields_only_moves_nothing(committed):
    course = CourseFactory()
    watch = Watch(CONTENT_VERSIONS.of())
    course.rating_count, course.enrollment_count = 3, 9
    with committed():
        course.save(update_fields=["rating_count", "enrollment_count"])
    assert watch.moved() == set()
    course.title = "Renamed"
    with committed():
        course.save(update_fields=["title", "rating_count"])
    assert watch.moved() == {CONTENT_VERSIONS.of()}


@pytest.mark.parametrize("update_fields", [None, ["student"]])
def test_save_handing_a_row_to_another_owner_moves_both(committed, update_fields):
    enrollment, other = EnrollmentFactory(), StudentFactory()
    watch = Watch(LEARNER_VERSIONS.of(enrollment.student_id), LEARNER_VERSIONS.of(other.pk))
    enrollment.student = other
    with committed():
        enrollment.save(update_fields=update_fields)
    assert watch.moved() == set(watch.before)


def test_save_handing_a_row_to_another_owner_through_a_deep_path_moves_both(committed):
    completion, elsewhere = LectureCompletionFactory(), EnrollmentFactory()
    watch = Watch(
        LEARNER_VERSIONS.of(completion.enrollment.student_id),
        LEARNER_VERSIONS.of(elsewhere.student_id),
    )
    completion.enrollment = elsewhere
    with committed():
        completion.save()
    assert watch.moved() == set(watch.before)


def test_save_handing_a_row_over_by_attname_moves_the_old_owner(committed):
    enrollment, other = EnrollmentFactory(), StudentFactory()
    old = LEARNER_VERSIONS.of(enrollment.student_id)
    watch = Watch(old)
    enrollment.student_id = other.pk
    with committed():
        enrollment.save(update_fields=["student_id"])
    assert watch.moved() == {old}


def test_saves_that_cannot_hand_a_row_over_read_nothing(student):
    # The old owner is looked up only when the row exists and its owner field is saved.
    enrollment = EnrollmentFactory.build(student=student, course=CourseFactory())
    module = LectureFactory().module
    with CaptureQueriesContext(connection) as ctx:
        enrollment.save()  # a new row
        enrollment.save(update_fields=["last_activity_at"])
        student.save()  # a user is their own owner
        module.save()  # one version for all content
    assert _selects(ctx) == []


def test_delete_moves_the_rows_version(committed):
    enrollment, notification = EnrollmentFactory(), NotificationFactory()
    watch = Watch(
        LEARNER_VERSIONS.of(enrollment.student_id),
        NOTIFICATION_VERSIONS.of(notification.recipient_id),
        THINGS.of(),
    )
    with committed():
        enrollment.delete()
        notification.delete()
    assert watch.moved() == set(watch.before) - {THINGS.of()}


@pytest.mark.parametrize("how", ["instance", "queryset", "signal without origin"])
def test_deleting_a_completion_itself_moves_its_owner(committed, how):
    completion = LectureCompletionFactory()
    owner = LEARNER_VERSIONS.of(completion.enrollment.student_id)
    watch = Watch(owner)
    with committed():
        if how == "instance":
            completion.delete()
        elif how == "queryset":
            LectureCompletion.objects.filter(pk=completion.pk).delete()
        else:  # a post_delete sent by code that names no origin
            post_delete.send(sender=LectureCompletion, instance=completion, using="default")
    assert watch.moved() == {owner}


def test_a_cascade_costs_no_query_per_completion(committed):
    def delete_lecture_with(completions: int) -> int:
        lecture = LectureFactory()
        LectureCompletionFactory.create_batch(completions, lecture=lecture)
        watch = Watch(CONTENT_VERSIONS.of())
        with committed(), CaptureQueriesContext(connection) as ctx:
            lecture.delete()
        assert watch.moved() == {CONTENT_VERSIONS.of()}
        return len(ctx.captured_queries)

    assert delete_lecture_with(1) == delete_lecture_with(5)


def test_a_cascade_from_an_owner_moves_the_rows_of_a_direct_path(committed):
    enrollment = EnrollmentFactory()
    LectureCompletionFactory(enrollment=enrollment)
    NotificationFactory(recipient=enrollment.student)
    student = enrollment.student
    watch = Watch(
        USER_VERSIONS.of(student.pk),
        LEARNER_VERSIONS.of(student.pk),
        NOTIFICATION_VERSIONS.of(student.pk),
    )
    with committed():
        student.delete()
    assert watch.moved() == set(watch.before)


def test_a_set_null_from_a_deleted_row_moves_the_owners(committed):
    enrollment = EnrollmentFactory()
    lecture = LectureFactory(module__course=enrollment.course)
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lecture=lecture)
    owner = LEARNER_VERSIONS.of(enrollment.student_id)
    watch = Watch(owner)
    with committed():
        lecture.delete()
    assert watch.moved() == {owner}


def test_a_set_null_of_an_ignored_field_moves_nothing(committed):
    # As a save of that field alone would not: `ignore` holds however a row changes.
    enrollment = EnrollmentFactory()
    lecture = LectureFactory(module__course=enrollment.course)
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lecture=lecture)
    ignoring = cache.Rule(THINGS, "student_id", frozenset({"last_lecture"}))
    watch = Watch(THINGS.of(enrollment.student_id))
    rules = {Enrollment: [*cache.rules_of(Enrollment), ignoring]}
    with mock.patch.dict(cache._rules, rules), committed():
        lecture.delete()
    assert watch.moved() == set()


@pytest.mark.parametrize("change", ["add", "remove", "clear", "reverse add"])
def test_a_change_of_a_courses_instructors_moves_the_content_version(committed, change):
    course, instructor = CourseFactory(), InstructorFactory()
    if change in ("remove", "clear"):
        course.instructors.add(instructor)
    watch = Watch(CONTENT_VERSIONS.of())
    with committed() as callbacks:
        if change == "add":
            course.instructors.add(instructor)
        elif change == "remove":
            course.instructors.remove(instructor)
        elif change == "clear":
            course.instructors.clear()
        else:
            instructor.taught_courses.add(course)
    assert watch.moved() == {CONTENT_VERSIONS.of()}
    assert len(callbacks) == 1  # after the change only, not before it too

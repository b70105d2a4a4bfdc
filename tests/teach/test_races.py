"""Concurrent edits keep orders contiguous and unique (row locks; PostgreSQL only)."""

import threading

import pytest
from django.db import connection, connections

from assessment import authoring
from assessment.models import Question, Quiz
from assessment.services import quiz_gift_import
from courses.models import Lecture, Module
from teaching import services
from tests.factories import course_with_lectures
from tests.teach.helpers import orders


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite runs one writer at a time anyway")


def run_concurrently(*calls, repeat=15):
    """Start every call at the same moment in its own thread (and DB connection)."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def worker(call):
        try:
            barrier.wait()
            for _ in range(repeat):
                call()
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_concurrent_lecture_moves(postgres, instructor):
    course = course_with_lectures(modules=1, lectures_per_module=5, instructors=[instructor])
    module = course.modules.get()
    a, b, c, d, _e = module.lectures.order_by("order")

    run_concurrently(
        lambda: services.lecture_move(actor=instructor, lecture=a, direction="down"),
        lambda: services.lecture_move(actor=instructor, lecture=d, direction="up"),
        lambda: services.lecture_move(actor=instructor, lecture=b, direction="up"),
        lambda: services.lecture_move(actor=instructor, lecture=c, direction="down"),
    )

    assert orders(module.lectures) == [0, 1, 2, 3, 4]


def test_concurrent_module_moves_creates_and_deletes(postgres, instructor):
    course = course_with_lectures(modules=4, lectures_per_module=0, instructors=[instructor])
    first, second, *_ = course.modules.order_by("order")
    created = []

    def create_then_delete():
        module = services.module_create(actor=instructor, course=course, title="Temp")
        created.append(module.pk)
        services.module_delete(actor=instructor, module=module)

    run_concurrently(
        lambda: services.module_move(actor=instructor, module=first, direction="down"),
        lambda: services.module_move(actor=instructor, module=second, direction="down"),
        create_then_delete,
        lambda: created.append(
            services.module_create(actor=instructor, course=course, title="Kept").pk
        ),
    )

    assert orders(Module.objects.filter(course=course)) == list(range(4 + 15))


def test_concurrent_lecture_creates_in_an_empty_module(postgres, instructor):
    course = course_with_lectures(modules=1, lectures_per_module=0, instructors=[instructor])
    module = course.modules.get()

    run_concurrently(
        *[lambda: services.lecture_create(actor=instructor, module=module, title="L")] * 3,
        repeat=5,
    )

    assert orders(Lecture.objects.filter(module=module)) == list(range(15))


def test_lecture_moved_between_modules_while_both_reorder(postgres, instructor):
    course = course_with_lectures(modules=2, lectures_per_module=3, instructors=[instructor])
    first, second = course.modules.order_by("order")
    travelling = first.lectures.get(order=0)
    stay_first = first.lectures.get(order=2)
    stay_second = second.lectures.get(order=1)
    state = {"module": first}

    def hop():
        target = second if state["module"] == first else first
        services.lecture_update(
            actor=instructor,
            lecture=Lecture.objects.select_related("module__course").get(pk=travelling.pk),
            module=target,
            title="Traveller",
            kind="text",
            body="",
            duration_seconds=0,
            is_free_preview=False,
            is_published=True,
        )
        state["module"] = target

    run_concurrently(
        hop,
        lambda: services.lecture_move(actor=instructor, lecture=stay_first, direction="up"),
        lambda: services.lecture_move(actor=instructor, lecture=stay_second, direction="down"),
    )

    assert orders(first.lectures) == list(range(first.lectures.count()))
    assert orders(second.lectures) == list(range(second.lectures.count()))
    assert first.lectures.count() + second.lectures.count() == 6


def test_concurrent_gift_imports_and_question_creates(postgres, instructor):
    """Questions added at once, by GIFT imports and by the editor, keep distinct orders."""
    course = course_with_lectures(modules=1, lectures_per_module=0, instructors=[instructor])
    lecture = services.lecture_create(
        actor=instructor, module=course.modules.get(), title="Quiz", kind=Lecture.Kind.QUIZ
    )
    quiz = Quiz.objects.get(lecture=lecture)

    def create():
        authoring.question_create(
            actor=instructor,
            quiz=quiz,
            kind=Question.Kind.TRUE_FALSE,
            fields=authoring.QuestionFields(text="True?", true_false_answer=True),
        )

    run_concurrently(
        *[lambda: quiz_gift_import(actor=instructor, quiz=quiz, source="A {T}\n\nB {F}")] * 2,
        create,
        repeat=5,
    )

    assert orders(quiz.questions) == list(range(2 * 2 * 5 + 5))

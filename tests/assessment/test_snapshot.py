"""Drawing and shuffling per attempt, and attempts that keep their questions as they were."""

import pytest

from assessment.models import Choice, Question
from assessment.selectors import attempt_sheet
from assessment.services import attempt_start, attempt_submit, quiz_snapshot
from tests.assessment.conftest import NOW, correct_choice_ids, single

pytestmark = pytest.mark.django_db


def _order(attempt):
    return [(q["id"], [c["id"] for c in q["choices"]]) for q in attempt.snapshot["questions"]]


def _pool(quiz, n=10):
    return [single(quiz, f"Q{i}", order=i, count=5) for i in range(n)]


def _new_attempt(student, quiz):
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt_submit(student=student, attempt=attempt, answers={}, now=NOW)
    return attempt


def test_without_shuffling_questions_and_choices_keep_their_order(student, quiz, unlocked):
    pool = _pool(quiz, 3)
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    assert _order(attempt) == [
        (q.pk, list(q.choices.order_by("order").values_list("pk", flat=True))) for q in pool
    ]


def test_a_shuffled_attempt_is_the_same_on_every_reload(student, quiz, unlocked):
    _pool(quiz)
    quiz.shuffle_questions = quiz.shuffle_choices = True
    quiz.save()
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)

    resumed = attempt_start(student=student, quiz=quiz, now=NOW)

    assert resumed.pk == attempt.pk
    assert _order(resumed) == _order(attempt)
    assert attempt_sheet(attempt=resumed) == attempt_sheet(attempt=attempt)
    # The seed alone reproduces it.
    assert _order(resumed) == [
        (q["id"], [c["id"] for c in q["choices"]])
        for q in quiz_snapshot(quiz=quiz, seed=attempt.seed)["questions"]
    ]


def test_shuffling_differs_across_attempts(student, quiz, unlocked):
    pool = _pool(quiz)
    quiz.shuffle_questions = quiz.shuffle_choices = True
    quiz.save()
    orders = [_order(_new_attempt(student, quiz)) for _ in range(3)]

    # 10 questions: three identical orders by chance is a 1 in 10!² event.
    assert len({str(order) for order in orders}) > 1
    question_orders = [[q for q, _choices in order] for order in orders]
    assert any(order != [q.pk for q in pool] for order in question_orders)
    choice_orders = {tuple(choices) for order in orders for _q, choices in order}
    assert len(choice_orders) > len(pool)  # choices shuffled too, not only questions


def test_the_same_seed_shuffles_the_same_way(quiz):
    _pool(quiz)
    quiz.shuffle_questions = quiz.shuffle_choices = True
    quiz.save()
    assert quiz_snapshot(quiz=quiz, seed=7) == quiz_snapshot(quiz=quiz, seed=7)
    assert quiz_snapshot(quiz=quiz, seed=7) != quiz_snapshot(quiz=quiz, seed=8)


def test_draw_n_questions_from_the_pool(student, quiz, unlocked):
    pool = _pool(quiz)
    quiz.draw_count = 4
    quiz.save()
    drawn = [_order(_new_attempt(student, quiz)) for _ in range(4)]

    for order in drawn:
        ids = [q for q, _choices in order]
        assert len(ids) == 4 == len(set(ids))
        assert set(ids) <= {q.pk for q in pool}
        # Not shuffled: drawn questions keep the pool's order.
        assert ids == sorted(ids, key=[q.pk for q in pool].index)
    assert len({tuple(q for q, _c in order) for order in drawn}) > 1


def test_draw_n_larger_than_the_pool_takes_every_question(student, quiz, unlocked):
    _pool(quiz, 3)
    quiz.draw_count = 10
    quiz.save()
    assert len(attempt_start(student=student, quiz=quiz, now=NOW).snapshot["questions"]) == 3


def test_editing_the_quiz_never_rewrites_a_past_attempt(student, quiz, unlocked):
    question = single(quiz, "What is 2 + 2?")
    right = correct_choice_ids(question)[0]
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    attempt = attempt_submit(
        student=student, attempt=attempt, answers={str(question.pk): right}, now=NOW
    )
    before_sheet, before_snapshot = attempt_sheet(attempt=attempt), attempt.snapshot

    # The instructor rewrites the question, moves the right answer, adds and deletes.
    Question.objects.filter(pk=question.pk).update(text="Changed", points=5)
    Choice.objects.filter(question=question).update(is_correct=False, text="changed")
    single(quiz, "New question", order=1)
    quiz.pass_mark = 100
    quiz.save()

    attempt.refresh_from_db()
    assert attempt.snapshot == before_snapshot
    assert attempt_sheet(attempt=attempt) == before_sheet
    assert attempt.score == 100 and attempt.passed

    question.delete()
    attempt.refresh_from_db()
    assert attempt.snapshot == before_snapshot


def test_an_open_attempt_is_graded_against_its_own_snapshot(student, quiz, unlocked):
    question = single(quiz)
    right = correct_choice_ids(question)[0]
    attempt = attempt_start(student=student, quiz=quiz, now=NOW)
    Choice.objects.filter(question=question).update(is_correct=False)
    quiz.pass_mark = 100
    quiz.save()

    attempt = attempt_submit(
        student=student, attempt=attempt, answers={str(question.pk): right}, now=NOW
    )

    assert attempt.score == 100
    assert attempt.passed  # the pass mark in force when the attempt started (50)

"""Writes of the assessment app: starting and submitting quiz attempts, extra attempts.

Every function takes ``now=`` so tests run on a fixed clock.
"""

import contextlib
import random
import secrets
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import authoring, gift, grading
from assessment.models import Attempt, Choice, ExtraAttempt, Question, Quiz
from progress.selectors import active_enrollment, can_manage_course, course_outline_state
from progress.services import lecture_complete

SNAPSHOT_VERSION = 1


def grace() -> timedelta:
    """How long after an attempt's deadline its answers still count (network, a slow click)."""
    return timedelta(seconds=settings.QUIZ_SUBMIT_GRACE_SECONDS)


def _question_snapshot(question: Question, rng: random.Random, shuffle_choices: bool) -> dict:
    choices = [
        {"id": c.pk, "text": c.text, "is_correct": c.is_correct, "explanation": c.explanation}
        for c in question.choices.all()
    ]
    if shuffle_choices and question.kind in Question.CHOICE_KINDS:
        rng.shuffle(choices)
    return {
        "id": question.pk,
        "kind": question.kind,
        "title": question.title,
        "text": question.text,
        "explanation": question.explanation,
        "points": question.points,
        "partial_credit": question.partial_credit,
        "choices": choices if question.kind in Question.CHOICE_KINDS else [],
        "true_false_answer": question.true_false_answer,
        "value": None if question.numeric_value is None else str(question.numeric_value),
        "tolerance": str(question.numeric_tolerance),
        "accepted_answers": list(question.accepted_answers or []),
    }


def quiz_snapshot(*, quiz: Quiz, seed: int) -> dict:
    """The questions an attempt with `seed` shows, drawn and shuffled, with their answers.

    The same quiz content and seed always give the same snapshot; the attempt stores it, so
    later edits of the quiz never change what the attempt showed or how it is graded.
    """
    # Shuffling, not secrecy: the seed is stored so the attempt can be reproduced.
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    questions = list(quiz.questions.order_by("order", "id").prefetch_related("choices"))
    if quiz.draw_count is not None and quiz.draw_count < len(questions):
        drawn = {q.pk for q in rng.sample(questions, quiz.draw_count)}
        questions = [q for q in questions if q.pk in drawn]
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    return {
        "version": SNAPSHOT_VERSION,
        "pass_mark": quiz.pass_mark,
        "feedback": quiz.feedback,
        "questions": [_question_snapshot(q, rng, quiz.shuffle_choices) for q in questions],
    }


def attempts_allowed_for(*, student, quiz: Quiz) -> int | None:
    """The quiz's limit plus the student's extra attempts; None: unlimited."""
    if quiz.attempts_allowed is None:
        return None
    return quiz.attempts_allowed + ExtraAttempt.objects.filter(quiz=quiz, student=student).count()


def _quiz_with_course(quiz: Quiz) -> Quiz:
    return Quiz.objects.select_related("lecture__module__course").get(pk=quiz.pk)


def _finish(attempt: Attempt, *, answers: dict, now: datetime) -> None:
    """Grade and close `attempt` (locked by the caller); late answers score 0."""
    questions = attempt.snapshot["questions"]
    by_id = {str(q["id"]): q for q in questions}
    cleaned = {}
    for key, value in (answers or {}).items():
        question = by_id.get(str(key))
        if question is not None:
            answer = grading.clean_answer(question, value)
            if answer is not None:
                cleaned[str(key)] = answer
    attempt.late = attempt.deadline is not None and now > attempt.deadline + grace()
    fraction = 0 if attempt.late else grading.score_fraction(questions, cleaned)
    attempt.answers = cleaned
    attempt.submitted_at = now
    attempt.score = (
        (Decimal(fraction.numerator) * 100 / Decimal(fraction.denominator)).quantize(
            Decimal("0.01"), ROUND_DOWN
        )
        if fraction
        else Decimal("0.00")
    )
    # Compared exactly, not on the rounded score: 2 of 3 points is below a 67% pass mark.
    attempt.passed = (
        bool(questions) and not attempt.late and fraction * 100 >= attempt.snapshot["pass_mark"]
    )
    attempt.save(update_fields=["answers", "submitted_at", "score", "passed", "late"])


def attempt_start(*, student, quiz: Quiz, now: datetime | None = None) -> Attempt:
    """Start an attempt at `quiz`, or return the student's open one (resumed as it was).

    Only an enrolled student whose quiz lecture is open under the unlock rule may start,
    within the quiz's attempts (plus extra ones granted); a course manager may always start,
    and their attempts are not counted. An open attempt past its deadline and grace is
    closed first (scored 0) and counts as used. A quiz without questions cannot be started
    (ValidationError).
    """
    now = now or timezone.now()
    if not student.is_authenticated:
        raise PermissionDenied
    quiz = _quiz_with_course(quiz)
    lecture = quiz.lecture
    course = lecture.module.course
    can_manage = can_manage_course(user=student, course=course)
    enrollment = None if can_manage else active_enrollment(user=student, course=course)
    if not can_manage and enrollment is None:
        raise PermissionDenied(_("Enroll in the course to take this quiz."))
    outline = course_outline_state(
        user=student, course=course, can_manage=can_manage, enrollment=enrollment
    )
    item = outline.state_of(lecture.pk)
    if item is None or not item.is_open or lecture.kind != lecture.Kind.QUIZ:
        raise PermissionDenied(_("This quiz is locked."))

    with transaction.atomic():  # committed even when no attempt is left to start
        open_attempt = (
            Attempt.objects.select_for_update()
            .filter(quiz=quiz, student=student, submitted_at__isnull=True)
            .first()
        )
        if open_attempt is not None:
            expired = open_attempt.deadline is not None and now > open_attempt.deadline + grace()
            if not expired:
                return open_attempt
            _finish(open_attempt, answers={}, now=now)

    counted = not can_manage
    if counted:
        allowed = attempts_allowed_for(student=student, quiz=quiz)
        used = Attempt.objects.filter(quiz=quiz, student=student, counted=True).count()
        if allowed is not None and used >= allowed:
            raise PermissionDenied(_("You have used every attempt at this quiz."))

    seed = secrets.randbelow(2**31)
    snapshot = quiz_snapshot(quiz=quiz, seed=seed)
    if not snapshot["questions"]:
        raise ValidationError(_("This quiz has no questions yet."))
    deadline = now + timedelta(seconds=quiz.time_limit_seconds) if quiz.time_limit_seconds else None
    try:
        with transaction.atomic():  # savepoint: another tab may have started one just now
            return Attempt.objects.create(
                quiz=quiz,
                student=student,
                started_at=now,
                deadline=deadline,
                counted=counted,
                seed=seed,
                snapshot=snapshot,
            )
    except IntegrityError:
        return Attempt.objects.get(quiz=quiz, student=student, submitted_at__isnull=True)


@transaction.atomic
def attempt_submit(
    *, student, attempt: Attempt, answers: dict, now: datetime | None = None
) -> Attempt:
    """Grade `attempt` on the server and close it; a second submission changes nothing.

    `answers` maps question ids (as strings) to a choice id, a list of choice ids,
    "true"/"false", or text. Answers sent after the deadline plus the grace are kept for the
    record but not counted: the attempt closes with score 0 (``late``). A pass by a counted
    attempt completes the quiz lecture through progress, so the unlock rule opens what
    follows.
    """
    now = now or timezone.now()
    if not student.is_authenticated or attempt.student_id != student.pk:
        raise PermissionDenied
    attempt = (
        Attempt.objects.select_for_update()
        .select_related("quiz__lecture__module__course")
        .get(pk=attempt.pk)
    )
    if attempt.submitted_at is not None:
        return attempt
    _finish(attempt, answers=answers if isinstance(answers, dict) else {}, now=now)
    if attempt.passed and attempt.counted:
        lecture = attempt.quiz.lecture
        # Access may have ended, or a lecture before the quiz been published, while the
        # attempt was open: the pass stays recorded and completes the lecture once it is
        # open again (quiz_pass_count).
        with contextlib.suppress(PermissionDenied):
            lecture_complete(
                user=student, course=lecture.module.course, lecture=lecture, quiz_passed=True
            )
    return attempt


def quiz_pass_count(*, student, quiz: Quiz) -> None:
    """Complete `quiz`'s lecture for `student` by a counted pass already recorded; idempotent.

    For a pass that could not complete the lecture when it was graded (access had ended, or
    the lecture was locked by a lecture published before it): with no attempt left, nothing
    else ever could. Raises PermissionDenied without a counted pass, or while the lecture is
    locked, as lecture_complete does.
    """
    if not student.is_authenticated:
        raise PermissionDenied
    quiz = _quiz_with_course(quiz)
    lecture = quiz.lecture
    passed = Attempt.objects.filter(quiz=quiz, student=student, counted=True, passed=True)
    if lecture.kind != lecture.Kind.QUIZ or not passed.exists():
        raise PermissionDenied(_("A quiz is completed by passing it."))
    lecture_complete(user=student, course=lecture.module.course, lecture=lecture, quiz_passed=True)


def extra_attempt_grant(*, actor, quiz: Quiz, student) -> ExtraAttempt:
    """Give `student` one more attempt at `quiz`; only the course's managers may."""
    quiz = _quiz_with_course(quiz)
    if not can_manage_course(user=actor, course=quiz.lecture.module.course):
        raise PermissionDenied(_("Only the course's instructors can grant attempts."))
    return ExtraAttempt.objects.create(quiz=quiz, student=student, granted_by=actor)


@transaction.atomic
def quiz_gift_import(*, actor, quiz: Quiz, source: str) -> list[Question]:
    """Add the questions of a GIFT file to `quiz`'s pool, after those it has; all or none.

    Only the course's managers may. A file the parser cannot read, or a question the quiz
    cannot hold, raises ValidationError naming it, and nothing is written.
    """
    # Locked as question_create locks it: two imports at once would take the same orders.
    quiz = authoring.locked_quiz(quiz.pk)
    if not can_manage_course(user=actor, course=quiz.lecture.module.course):
        raise PermissionDenied(_("Only the course's instructors can edit its quizzes."))
    try:
        parsed = gift.parse(source)
    except gift.GiftError as error:
        raise ValidationError(str(error)) from None
    if not parsed:
        raise ValidationError(_("The file holds no questions."))
    last = quiz.questions.order_by("-order").values_list("order", flat=True).first()
    start = 0 if last is None else last + 1
    created = []
    for number, item in enumerate(parsed, start=1):
        question = Question(
            quiz=quiz,
            order=start + number - 1,
            kind=item.kind,
            title=item.title,
            text=item.text,
            explanation=item.general_feedback,
            partial_credit=item.partial_credit,
            true_false_answer=item.true_false_answer,
            accepted_answers=item.accepted_answers,
            numeric_value=item.numeric_value,
            numeric_tolerance=item.numeric_tolerance,
        )
        choices = [
            authoring.ChoiceData(text=c.text, is_correct=c.is_correct, explanation=c.feedback)
            for c in item.choices
        ]
        try:
            question.full_clean()
            # What the editor refuses (too many choices, ...) must not come in by a file
            # either: the question could then never be saved in the editor again.
            authoring.check_choices(item.kind, choices)
        except ValidationError as error:
            messages = "; ".join(m for ms in error.message_dict.values() for m in ms)
            raise ValidationError(
                _("Question %(number)s: %(messages)s") % {"number": number, "messages": messages}
            ) from None
        question.save()
        Choice.objects.bulk_create(
            Choice(
                question=question,
                order=order,
                text=choice.text,
                is_correct=choice.is_correct,
                explanation=choice.feedback,
            )
            for order, choice in enumerate(item.choices)
        )
        created.append(question)
    return created

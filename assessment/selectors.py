"""Reads of the assessment app: what the quiz player shows.

What reaches a page before submission is built only from these dataclasses, which have no
field for a correct answer, an explanation, accepted answers or a numeric value: a template
cannot show what it is never given.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import caches
from django.db.models import Max
from django.utils.safestring import SafeString

from assessment import gift, grading
from assessment.models import ATTEMPT_VERSIONS, Attempt, ExtraAttempt, Question, Quiz
from core import cache
from courses.markdown import render_markdown
from courses.models import CONTENT_VERSIONS, Lecture

# Each process's own memory (CACHES["fragments"]): what never changes once made.
_local = caches["fragments"]
SHEET_TIMEOUT_SECONDS = 60 * 60


def quiz_for_lecture(*, lecture_id: int) -> Quiz | None:
    return Quiz.objects.filter(lecture_id=lecture_id).select_related("lecture").first()


def _attempt_with_quiz(attempt_id: int) -> Attempt | None:
    return Attempt.objects.filter(pk=attempt_id).select_related("quiz__lecture").first()


ATTEMPT_PAGE = cache.Kind(
    "attempt",
    shape=(Attempt, Quiz, Lecture),
    # The attempt's own changes (its submission), and the lecture's title with the content.
    versions=lambda attempt_id: [ATTEMPT_VERSIONS.of(attempt_id), CONTENT_VERSIONS.of()],
    timeout=60 * 60,
)


def attempt_with_quiz(
    *, student, attempt_id: int, lecture_id: int, shared: bool = False, found=None
) -> Attempt | None:
    """`student`'s attempt `attempt_id` at the quiz of `lecture_id`, with the quiz and its
    lecture; None when there is no such attempt of theirs.

    `shared`: from the cache, for pages that only show it (valid until the attempt or the
    course content changes); otherwise one query. `found`: a `cache.read()` that included
    `ATTEMPT_PAGE(attempt_id)`, to save a round trip.
    """
    if shared:
        entry = ATTEMPT_PAGE(attempt_id)
        if found is None:
            found = cache.read(entry)
        attempt = found.get(entry, lambda: _attempt_with_quiz(attempt_id))
    else:
        attempt = _attempt_with_quiz(attempt_id)
    if attempt is None or attempt.student_id != student.pk:
        return None
    if attempt.quiz.lecture_id != lecture_id:
        return None
    return attempt


@dataclass(frozen=True, slots=True)
class QuizStatus:
    """A student's standing in a quiz: attempts, best score, and what passing takes."""

    pass_mark: int
    attempts_allowed: int | None  # the quiz's limit plus extra grants; None: unlimited
    attempts_used: int
    best_score: Decimal | None
    passed: bool
    open_attempt_id: int | None
    time_limit_seconds: int | None
    question_count: int  # per attempt

    @property
    def attempts_left(self) -> int | None:
        if self.attempts_allowed is None:
            return None
        return max(0, self.attempts_allowed - self.attempts_used)

    @property
    def can_start(self) -> bool:
        left = self.attempts_left
        return self.open_attempt_id is not None or left is None or left > 0


def quiz_status(*, student, quiz: Quiz, counted: bool = True) -> QuizStatus:
    """`student`'s standing in `quiz`: three queries. `counted=False` reads a course
    manager's own (uncounted) tries."""
    attempts = Attempt.objects.filter(quiz=quiz, student=student, counted=counted)
    summary = attempts.filter(submitted_at__isnull=False).aggregate(best=Max("score"))
    rows = list(attempts.order_by().values_list("submitted_at", "passed", "pk"))
    extra = ExtraAttempt.objects.filter(quiz=quiz, student=student).count()
    pool = quiz.questions.count()
    return QuizStatus(
        pass_mark=quiz.pass_mark,
        attempts_allowed=None if quiz.attempts_allowed is None else quiz.attempts_allowed + extra,
        attempts_used=len(rows),
        best_score=summary["best"],
        passed=any(passed for _s, passed, _pk in rows),
        open_attempt_id=next((pk for submitted, _p, pk in rows if submitted is None), None),
        time_limit_seconds=quiz.time_limit_seconds,
        question_count=min(pool, quiz.draw_count) if quiz.draw_count else pool,
    )


@dataclass(frozen=True, slots=True)
class AttemptChoice:
    id: int
    text: str


@dataclass(frozen=True, slots=True)
class AttemptQuestion:
    id: int
    number: int
    kind: str
    text_html: SafeString
    points: int
    choices: tuple[AttemptChoice, ...]


@dataclass(frozen=True, slots=True)
class AttemptSheet:
    """An open attempt as its form shows it: the questions in their drawn order, no answers."""

    attempt_id: int
    started_at: datetime
    deadline: datetime | None
    questions: tuple[AttemptQuestion, ...]

    def seconds_left(self, now: datetime) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - now).total_seconds()))

    def time_is_up(self, now: datetime) -> bool:
        return self.deadline is not None and now >= self.deadline


def attempt_sheet(*, attempt: Attempt) -> AttemptSheet:
    """The questions of `attempt` for its form, from its snapshot (the same on every reload).

    The snapshot never changes, so each process keeps the sheet it built (rendering the
    questions' Markdown costs more than the rest of the page).
    """
    key = f"attempt-sheet:{attempt.pk}:{attempt.started_at.timestamp()}"
    sheet = _local.get(key)
    if sheet is None:
        sheet = _attempt_sheet(attempt)
        _local.set(key, sheet, SHEET_TIMEOUT_SECONDS)
    return sheet


def _attempt_sheet(attempt: Attempt) -> AttemptSheet:
    questions = tuple(
        AttemptQuestion(
            id=q["id"],
            number=number,
            kind=q["kind"],
            text_html=render_markdown(q["text"]),
            points=q["points"],
            choices=tuple(AttemptChoice(id=c["id"], text=c["text"]) for c in q["choices"]),
        )
        for number, q in enumerate(attempt.snapshot["questions"], start=1)
    )
    return AttemptSheet(
        attempt_id=attempt.pk,
        started_at=attempt.started_at,
        deadline=attempt.deadline,
        questions=questions,
    )


def student_attempts(*, student, quiz: Quiz, counted: bool = True):
    """`student`'s attempts at `quiz`, newest first: the counted ones, or with
    `counted=False` a course manager's own tries (as quiz_status reads them)."""
    return Attempt.objects.filter(quiz=quiz, student=student, counted=counted).order_by(
        "-started_at", "-id"
    )


def _gift_question(question) -> gift.GiftQuestion:
    return gift.GiftQuestion(
        kind=question.kind,
        text=question.text,
        title=question.title,
        general_feedback=question.explanation,
        choices=[
            gift.GiftChoice(c.text, c.is_correct, c.explanation) for c in question.choices.all()
        ]
        if question.kind in Question.CHOICE_KINDS
        else [],
        partial_credit=question.partial_credit,
        true_false_answer=question.true_false_answer,
        accepted_answers=list(question.accepted_answers or []),
        numeric_value=question.numeric_value,
        numeric_tolerance=question.numeric_tolerance,
    )


def quiz_gift_export(*, quiz: Quiz) -> str:
    """`quiz`'s question pool as a GIFT file, in the pool's order (two queries)."""
    questions = quiz.questions.order_by("order", "id").prefetch_related("choices")
    return gift.dump([_gift_question(q) for q in questions])


@dataclass(frozen=True, slots=True)
class ReviewChoice:
    id: int
    text: str
    picked: bool
    is_correct: bool | None  # None: feedback hidden
    explanation_html: SafeString | None


@dataclass(frozen=True, slots=True)
class ReviewQuestion:
    id: int
    number: int
    kind: str
    text_html: SafeString
    points: int
    answer: object  # what the student gave, cleaned (see grading.clean_answer); None: nothing
    earned: Decimal | None  # points earned; None: feedback hidden
    choices: tuple[ReviewChoice, ...]
    correct_answer: str | None  # true/false, short answer, numeric; None: hidden
    explanation_html: SafeString | None


@dataclass(frozen=True, slots=True)
class AttemptReview:
    """A submitted attempt: its score, and per question what the quiz's feedback allows."""

    attempt_id: int
    score: Decimal
    passed: bool
    late: bool
    submitted_at: datetime
    shows_feedback: bool
    questions: tuple[ReviewQuestion, ...]


def feedback_shown(*, attempt: Attempt) -> bool:
    """Whether `attempt`'s right answers and explanations may be shown to its student.

    Never before it is submitted; after that as the quiz says now (an instructor who hides
    feedback hides it from earlier attempts too): after each attempt, only once the student
    has passed the quiz, or never. A pass counts only among attempts of the same standing:
    one tried while managing the course reveals nothing to the student they become later.
    """
    if attempt.submitted_at is None:
        return False
    policy = attempt.quiz.feedback
    if policy == Quiz.Feedback.AFTER_EACH_ATTEMPT:
        return True
    if policy == Quiz.Feedback.AFTER_PASSING:
        return Attempt.objects.filter(
            quiz_id=attempt.quiz_id,
            student_id=attempt.student_id,
            counted=attempt.counted,
            passed=True,
        ).exists()
    return False


def _markdown_or_none(text: str, shown: bool) -> SafeString | None:
    return render_markdown(text) if shown and text else None


def _correct_answer(question: dict) -> str | None:
    if question["kind"] == grading.TRUE_FALSE:
        return "true" if question["true_false_answer"] else "false"
    if question["kind"] == grading.SHORT_ANSWER:
        return question["accepted_answers"][0] if question["accepted_answers"] else ""
    if question["kind"] == grading.NUMERIC:
        value = grading.number_text(Decimal(question["value"]))
        tolerance = Decimal(question["tolerance"])
        return f"{value} ± {grading.number_text(tolerance)}" if tolerance else value
    return None


def attempt_review(*, attempt: Attempt) -> AttemptReview:
    """A submitted attempt for its result page, from its snapshot; raises ValueError for an
    open attempt (its sheet is `attempt_sheet`)."""
    if attempt.submitted_at is None:
        raise ValueError("attempt_review() takes a submitted attempt")
    shown = feedback_shown(attempt=attempt)
    questions = []
    for number, q in enumerate(attempt.snapshot["questions"], start=1):
        answer = attempt.answers.get(str(q["id"]))
        picked = set(answer if isinstance(answer, list) else [answer])
        fraction = grading.question_fraction(q, answer)
        earned = Decimal(fraction.numerator * q["points"]) / fraction.denominator
        questions.append(
            ReviewQuestion(
                id=q["id"],
                number=number,
                kind=q["kind"],
                text_html=render_markdown(q["text"]),
                points=q["points"],
                answer=answer,
                earned=(Decimal(0) if attempt.late else earned) if shown else None,
                choices=tuple(
                    ReviewChoice(
                        id=c["id"],
                        text=c["text"],
                        picked=c["id"] in picked,
                        is_correct=c["is_correct"] if shown else None,
                        explanation_html=_markdown_or_none(c["explanation"], shown),
                    )
                    for c in q["choices"]
                ),
                correct_answer=_correct_answer(q) if shown else None,
                explanation_html=_markdown_or_none(q["explanation"], shown),
            )
        )
    return AttemptReview(
        attempt_id=attempt.pk,
        score=attempt.score,
        passed=attempt.passed,
        late=attempt.late,
        submitted_at=attempt.submitted_at,
        shows_feedback=shown,
        questions=tuple(questions),
    )

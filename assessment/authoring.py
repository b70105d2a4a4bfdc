"""Writes of quiz authoring: a quiz lecture's settings and its question pool.

The instructor workspace calls these; each one checks the actor itself (the course's
instructors and admins, as for every other lecture), because views are not the only callers.
Past attempts are never touched: each keeps the questions and choices it drew in its
snapshot, so editing, reordering or deleting questions changes only what later attempts draw.

Writes to one quiz's pool lock the quiz row first, so two editors (or two tabs) adding,
moving or deleting questions at once keep the orders 0..n-1.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils.translation import gettext as _

from assessment.models import Choice, Question, Quiz
from courses.models import Lecture
from progress.selectors import can_manage_course

UP, DOWN = "up", "down"
MAX_CHOICES = 20


@dataclass(frozen=True, slots=True)
class ChoiceData:
    """One choice as an author wrote it; `id` names a choice of the question being edited
    (None: a new one)."""

    text: str
    is_correct: bool = False
    explanation: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class QuestionFields:
    """A question as an author wrote it, whatever its kind (the kind itself is chosen once,
    at creation). The services keep the fields of the question's kind and clear the others;
    `choices` count for single- and multiple-choice questions only."""

    text: str
    title: str = ""
    explanation: str = ""
    points: int = 1
    partial_credit: bool = False
    true_false_answer: bool | None = None
    accepted_answers: Sequence[str] = ()
    numeric_value: Decimal | None = None
    numeric_tolerance: Decimal = Decimal(0)
    choices: Sequence[ChoiceData] = ()


def _require_manager(actor, course) -> None:
    if not can_manage_course(user=actor, course=course):
        raise PermissionDenied(_("Only the course's instructors can edit its quizzes."))


def locked_quiz(quiz_id: int) -> Quiz:
    """The quiz row, locked (only it, not the course rows read with it), with its course;
    DoesNotExist when it was deleted meanwhile."""
    return (
        Quiz.objects.select_for_update(of=("self",))
        .select_related("lecture__module__course")
        .get(pk=quiz_id)
    )


def _require_quiz_lecture(lecture: Lecture) -> None:
    if lecture.kind != Lecture.Kind.QUIZ:
        raise ValidationError(_("This lecture is not a quiz."))


@transaction.atomic
def quiz_ensure(*, actor, lecture: Lecture) -> Quiz:
    """The quiz of quiz lecture `lecture`, created with the default settings if it has none.

    The workspace creates it with the lecture, and the admin's lecture pages after saving
    (teaching/admin.py); a quiz lecture left without one (its quiz deleted in the admin)
    gets it the first time its quiz is edited.
    """
    lecture = Lecture.objects.select_related("module__course").get(pk=lecture.pk)
    _require_manager(actor, lecture.module.course)
    _require_quiz_lecture(lecture)
    quiz, _created = Quiz.objects.get_or_create(lecture=lecture)
    return quiz


def quiz_in_use_error(*, lecture: Lecture) -> ValidationError | None:
    """Why quiz lecture `lecture` may not become another kind, or None when it may.

    A quiz with attempts keeps them (students' records), and one with questions keeps the
    author's work: both would silently vanish, so the kind stays. An empty quiz may go.
    """
    quiz = Quiz.objects.filter(lecture_id=lecture.pk).first()
    if quiz is None:
        return None
    if quiz.attempts.exists():
        return ValidationError(
            {
                "kind": _(
                    "Students have attempted this quiz, so it stays a quiz. Unpublish it, or "
                    "add a new lecture instead."
                )
            }
        )
    if quiz.questions.exists():
        return ValidationError(
            {
                "kind": _(
                    "This quiz has questions. Delete them first (export them as GIFT to keep "
                    "them) to make the lecture another kind."
                )
            }
        )
    return None


@transaction.atomic
def quiz_release(*, actor, lecture: Lecture) -> None:
    """Before quiz lecture `lecture` becomes another kind: refuse when its quiz has attempts
    or questions (ValidationError on "kind"), else delete the empty quiz."""
    lecture = Lecture.objects.select_related("module__course").get(pk=lecture.pk)
    _require_manager(actor, lecture.module.course)
    quiz = Quiz.objects.select_for_update().filter(lecture_id=lecture.pk).first()
    if quiz is None:
        return
    error = quiz_in_use_error(lecture=lecture)
    if error is not None:
        raise error
    quiz.delete()


@transaction.atomic
def quiz_settings_update(
    *,
    actor,
    quiz: Quiz,
    pass_mark: int,
    attempts_allowed: int | None,
    time_limit_seconds: int | None,
    shuffle_questions: bool,
    shuffle_choices: bool,
    draw_count: int | None,
    feedback: str,
) -> Quiz:
    """Change a quiz's settings; attempts already started keep their deadline and draw."""
    quiz = locked_quiz(quiz.pk)
    _require_manager(actor, quiz.lecture.module.course)
    quiz.pass_mark = pass_mark
    quiz.attempts_allowed = attempts_allowed
    quiz.time_limit_seconds = time_limit_seconds
    quiz.shuffle_questions, quiz.shuffle_choices = shuffle_questions, shuffle_choices
    quiz.draw_count = draw_count
    quiz.feedback = feedback
    quiz.full_clean()
    quiz.save()
    return quiz


def check_choices(kind: str, choices: Sequence[ChoiceData]) -> None:
    """Raise ValidationError unless `choices` suit a question of `kind` (the editor's rules,
    which an import follows too)."""
    if kind not in Question.CHOICE_KINDS:
        return
    if len(choices) < 2:
        raise ValidationError({"choices": _("Give at least two choices.")})
    if len(choices) > MAX_CHOICES:
        raise ValidationError(
            {"choices": _("Give at most %(max)d choices.") % {"max": MAX_CHOICES}}
        )
    if any(not choice.text.strip() for choice in choices):
        raise ValidationError({"choices": _("Every choice needs a text.")})
    correct = sum(1 for choice in choices if choice.is_correct)
    if kind == Question.Kind.SINGLE and correct != 1:
        raise ValidationError({"choices": _("Mark exactly one choice as correct.")})
    if kind == Question.Kind.MULTIPLE and correct < 1:
        raise ValidationError({"choices": _("Mark at least one choice as correct.")})


def _apply_question_fields(question: Question, fields: QuestionFields) -> None:
    """Set the fields (not the choices); those of other kinds are cleared, so a question holds
    only its own."""
    kind = question.kind
    question.text, question.title = fields.text, fields.title
    question.explanation = fields.explanation
    question.points = fields.points
    question.partial_credit = fields.partial_credit if kind == Question.Kind.MULTIPLE else False
    question.true_false_answer = (
        fields.true_false_answer if kind == Question.Kind.TRUE_FALSE else None
    )
    question.accepted_answers = (
        [answer.strip() for answer in fields.accepted_answers or [] if answer.strip()]
        if kind == Question.Kind.SHORT_ANSWER
        else []
    )
    is_numeric = kind == Question.Kind.NUMERIC
    question.numeric_value = fields.numeric_value if is_numeric else None
    question.numeric_tolerance = (
        (fields.numeric_tolerance or Decimal(0)) if is_numeric else Decimal(0)
    )
    question.full_clean(exclude=["quiz"])


def _save_choices(question: Question, choices: list[ChoiceData]) -> None:
    """Make `question`'s choices these, in this order: named ones are updated in place (their
    ids stay, as past answers name them), new ones created, the others deleted."""
    if question.kind not in Question.CHOICE_KINDS:
        question.choices.all().delete()
        return
    existing = {choice.pk: choice for choice in question.choices.all()}
    named = [choice.id for choice in choices if choice.id is not None]
    if len(set(named)) != len(named) or not set(named) <= set(existing):
        raise ValidationError(
            {"choices": _("These choices changed meanwhile. Reload the page and try again.")}
        )
    question.choices.exclude(pk__in=named).delete()
    updated, created = [], []
    for order, data in enumerate(choices):
        row = existing[data.id] if data.id is not None else Choice(question=question)
        row.order, row.text = order, data.text.strip()
        row.is_correct, row.explanation = data.is_correct, data.explanation.strip()
        (updated if data.id is not None else created).append(row)
    Choice.objects.bulk_update(updated, ["order", "text", "is_correct", "explanation"])
    Choice.objects.bulk_create(created)


@transaction.atomic
def question_create(*, actor, quiz: Quiz, kind: str, fields: QuestionFields) -> Question:
    """Add a question of `kind` at the end of `quiz`'s pool, with its choices; all or
    nothing."""
    quiz = locked_quiz(quiz.pk)
    _require_manager(actor, quiz.lecture.module.course)
    if kind not in Question.Kind.values:
        raise ValidationError({"kind": _("Choose a question kind.")})
    choices = list(fields.choices or [])
    check_choices(kind, choices)
    last = quiz.questions.order_by("-order").values_list("order", flat=True).first()
    question = Question(quiz=quiz, kind=kind, order=0 if last is None else last + 1)
    _apply_question_fields(question, fields)
    question.save()
    if kind in Question.CHOICE_KINDS:
        _save_choices(question, [ChoiceData(c.text, c.is_correct, c.explanation) for c in choices])
    return question


def _locked_question(question: Question) -> Question:
    quiz = locked_quiz(question.quiz_id)
    question = Question.objects.get(pk=question.pk, quiz=quiz)
    question.quiz = quiz
    return question


@transaction.atomic
def question_update(*, actor, question: Question, fields: QuestionFields) -> Question:
    """Edit a question (its kind stays) and its choices; past attempts keep their copy."""
    question = _locked_question(question)
    _require_manager(actor, question.quiz.lecture.module.course)
    choices = list(fields.choices or [])
    check_choices(question.kind, choices)
    _apply_question_fields(question, fields)
    question.save()
    _save_choices(question, choices)
    return question


def _resequence(questions: list[Question]) -> None:
    """Give `questions` (in their new order) the orders 0..n-1, in one UPDATE."""
    changed = [(index, q) for index, q in enumerate(questions) if q.order != index]
    if not changed:
        return
    Question.objects.filter(pk__in=[q.pk for _i, q in changed]).update(
        order=Case(*(When(pk=q.pk, then=Value(index)) for index, q in changed))
    )
    for index, question in changed:
        question.order = index


def _pool(quiz: Quiz) -> list[Question]:
    return list(quiz.questions.order_by("order", "pk"))


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    """Delete a question and its choices, and close the gap; past attempts keep their copy."""
    question = _locked_question(question)
    quiz = question.quiz
    _require_manager(actor, quiz.lecture.module.course)
    question.delete()
    _resequence(_pool(quiz))


@transaction.atomic
def question_move(*, actor, question: Question, direction: str) -> None:
    """Move a question up or down in its quiz's pool (the first cannot go up, nor the last
    down)."""
    if direction not in (UP, DOWN):
        raise ValidationError(_("Move up or down."))
    question = _locked_question(question)
    quiz = question.quiz
    _require_manager(actor, quiz.lecture.module.course)
    rows = _pool(quiz)
    index = next(i for i, row in enumerate(rows) if row.pk == question.pk)
    target = index - 1 if direction == UP else index + 1
    if 0 <= target < len(rows):
        rows[index], rows[target] = rows[target], rows[index]
    _resequence(rows)


@transaction.atomic
def question_reorder(*, actor, quiz: Quiz, question_ids: list[int]) -> None:
    """Put `quiz`'s questions in the order of `question_ids` (drag and drop): exactly the
    pool's questions, each once; anything else changes nothing."""
    quiz = locked_quiz(quiz.pk)
    _require_manager(actor, quiz.lecture.module.course)
    rows = {row.pk: row for row in _pool(quiz)}
    if len(set(question_ids)) != len(question_ids) or set(question_ids) != set(rows):
        raise ValidationError(
            _("The order sent does not match this quiz. Reload the page and try again."),
            code="order_mismatch",
        )
    _resequence([rows[pk] for pk in question_ids])

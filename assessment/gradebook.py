"""Reads for a course's managers: the gradebook (students × quizzes) and question analytics.

Only counted attempts are students' (a course manager's tries are not counted). The
gradebook lists a course's students with an active enrollment; a revoked (refunded)
enrollment drops out of it, and its attempts stay recorded and come back with the access.
Every read here takes a fixed number of queries, whatever the number of students, quizzes
or attempts (the CSV export takes two more per chunk of students).
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Avg, Count, Max, Q, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessment import grading
from assessment.models import Attempt, Choice, ExtraAttempt, Question, Quiz
from courses.markdown import render_markdown
from courses.models import Course, Lecture
from progress.models import Enrollment

SORT_NAME = "name"
SORT_EMAIL = "email"
SORT_RECENT = "recent"
SORTS = (SORT_NAME, SORT_EMAIL, SORT_RECENT)
CSV_CHUNK = 500
CENTS = Decimal("0.01")

# A cell's state, in words on the page (never by colour alone).
PASSED = "passed"
NOT_PASSED = "not_passed"
IN_PROGRESS = "in_progress"
NOT_ATTEMPTED = "not_attempted"


@dataclass(frozen=True, slots=True)
class GradebookQuiz:
    """A column: one quiz lecture of the course, in outline order."""

    id: int  # the quiz's id
    lecture_id: int
    title: str
    module_title: str
    pass_mark: int
    attempts_allowed: int | None  # the quiz's own limit; None: unlimited
    published: bool  # the lecture and its module are both published


def gradebook_quizzes(*, course: Course) -> list[GradebookQuiz]:
    """The course's quizzes in outline order (modules, then lectures, by order): one query.

    Unpublished ones are included (a manager sees drafts, and a lecture hidden after students
    took it keeps their results); `published` says which.
    """
    rows = (
        Quiz.objects.filter(lecture__module__course=course, lecture__kind=Lecture.Kind.QUIZ)
        .order_by("lecture__module__order", "lecture__module_id", "lecture__order", "lecture_id")
        .values_list(
            "pk",
            "lecture_id",
            "lecture__title",
            "lecture__module__title",
            "pass_mark",
            "attempts_allowed",
            "lecture__is_published",
            "lecture__module__is_published",
        )
    )
    return [
        GradebookQuiz(
            id=pk,
            lecture_id=lecture_id,
            title=title,
            module_title=module_title,
            pass_mark=pass_mark,
            attempts_allowed=allowed,
            published=lecture_published and module_published,
        )
        for (
            pk,
            lecture_id,
            title,
            module_title,
            pass_mark,
            allowed,
            lecture_published,
            module_published,
        ) in rows
    ]


def gradebook_quiz(*, course: Course, lecture_id: int) -> Quiz | None:
    """The quiz of the course's quiz lecture `lecture_id`, or None (not this course's)."""
    return (
        Quiz.objects.filter(
            # Not lecture_id: only a lookup on the primary key itself treats an id beyond
            # the column's range as matching nothing (SQLite would raise OverflowError).
            lecture__pk=lecture_id,
            lecture__module__course=course,
            lecture__kind=Lecture.Kind.QUIZ,
        )
        .select_related("lecture__module")
        .first()
    )


@dataclass(frozen=True, slots=True)
class GradebookCell:
    """One student's standing in one quiz, from their counted attempts."""

    quiz: GradebookQuiz
    attempts_used: int = 0  # counted attempts, the open one included (as the limit counts)
    extra_attempts: int = 0  # granted beyond the quiz's limit
    best_score: Decimal | None = None
    passed: bool = False
    in_progress: bool = False
    late: int = 0  # attempts submitted after the time limit (scored 0)

    @property
    def attempts_allowed(self) -> int | None:
        if self.quiz.attempts_allowed is None:
            return None
        return self.quiz.attempts_allowed + self.extra_attempts

    @property
    def attempts_left(self) -> int | None:
        allowed = self.attempts_allowed
        return None if allowed is None else max(0, allowed - self.attempts_used)

    @property
    def status(self) -> str:
        if self.passed:
            return PASSED
        if self.in_progress:
            return IN_PROGRESS
        if self.attempts_used:
            return NOT_PASSED
        return NOT_ATTEMPTED


@dataclass(frozen=True, slots=True)
class GradebookRow:
    student_id: int
    name: str
    email: str
    enrolled_at: datetime
    cells: tuple[GradebookCell, ...]


def gradebook_students(*, course: Course, query: str = "", sort: str = SORT_NAME):
    """The course's active enrollments as dicts (student_id, name, email, enrolled_at), in
    `sort` order, optionally narrowed to names or emails containing `query`. A lazy
    queryset: paginate it."""
    enrollments = Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
    query = query.strip()
    if query:
        enrollments = enrollments.filter(
            Q(student__name__icontains=query) | Q(student__email__icontains=query)
        )
    # The name shown is the account's name, or the email when it has none.
    enrollments = enrollments.annotate(
        sort_name=Lower(Coalesce(NullIf("student__name", Value("")), "student__email"))
    )
    if sort == SORT_EMAIL:
        order = ("student__email", "student_id")
    elif sort == SORT_RECENT:
        order = ("-enrolled_at", "-id")
    else:
        order = ("sort_name", "student__email", "student_id")
    return enrollments.order_by(*order).values(
        "student_id", "student__name", "student__email", "enrolled_at"
    )


def _display_name(name: str, email: str) -> str:
    # As accounts.User.display_name, without loading the user.
    return name or email.split("@")[0]


def gradebook_rows(*, quizzes: list[GradebookQuiz], students) -> list[GradebookRow]:
    """The gradebook rows of `students` (dicts from `gradebook_students`) across `quizzes`:
    two queries, whatever their numbers (none when either is empty)."""
    students = list(students)
    student_ids = [s["student_id"] for s in students]
    quiz_ids = [q.id for q in quizzes]
    standings: dict[tuple[int, int], dict] = {}
    extras: dict[tuple[int, int], int] = {}
    if student_ids and quiz_ids:
        for row in (
            Attempt.objects.filter(quiz_id__in=quiz_ids, student_id__in=student_ids, counted=True)
            .values("quiz_id", "student_id")
            .annotate(
                used=Count("id"),
                best=Max("score"),
                passes=Count("id", filter=Q(passed=True)),
                open=Count("id", filter=Q(submitted_at__isnull=True)),
                late_count=Count("id", filter=Q(late=True)),
            )
            .order_by()
        ):
            standings[row["student_id"], row["quiz_id"]] = row
        extras = {
            (row["student_id"], row["quiz_id"]): row["n"]
            for row in ExtraAttempt.objects.filter(quiz_id__in=quiz_ids, student_id__in=student_ids)
            .values("quiz_id", "student_id")
            .annotate(n=Count("id"))
            .order_by()
        }

    def cell(student_id: int, quiz: GradebookQuiz) -> GradebookCell:
        row = standings.get((student_id, quiz.id))
        extra = extras.get((student_id, quiz.id), 0)
        if row is None:
            return GradebookCell(quiz=quiz, extra_attempts=extra)
        return GradebookCell(
            quiz=quiz,
            attempts_used=row["used"],
            extra_attempts=extra,
            # Two decimals on every database (SQLite's MAX drops them).
            best_score=None if row["best"] is None else Decimal(row["best"]).quantize(CENTS),
            passed=row["passes"] > 0,
            in_progress=row["open"] > 0,
            late=row["late_count"],
        )

    return [
        GradebookRow(
            student_id=s["student_id"],
            name=_display_name(s["student__name"], s["student__email"]),
            email=s["student__email"],
            enrolled_at=s["enrolled_at"],
            cells=tuple(cell(s["student_id"], quiz) for quiz in quizzes),
        )
        for s in students
    ]


def gradebook_all_rows(
    *, course: Course, quizzes: list[GradebookQuiz], chunk_size: int = CSV_CHUNK
) -> Iterator[GradebookRow]:
    """Every active student's row, by name, built `chunk_size` students at a time: one query
    for the (small) list of students, then two per chunk, so memory stays bounded."""
    students = list(gradebook_students(course=course))
    for start in range(0, len(students), chunk_size):
        yield from gradebook_rows(quizzes=quizzes, students=students[start : start + chunk_size])


def enrolled_student_id(*, course: Course, student_id: int) -> int | None:
    """`student_id` when that user holds an active enrollment in `course`, else None."""
    return (
        Enrollment.objects.filter(
            course=course, student_id=student_id, status=Enrollment.Status.ACTIVE
        )
        .values_list("student_id", flat=True)
        .first()
    )


# --- Question analytics ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WrongAnswer:
    text: str  # a choice's text, "true"/"false", or a typed answer (normalised)
    count: int


@dataclass(frozen=True, slots=True)
class QuestionStats:
    id: int  # the question's id, as in the snapshots
    number: int
    kind: str
    title: str
    text_html: SafeString
    in_pool: bool  # False: deleted since; its text is the one the attempts showed
    drawn: int  # attempts that showed it
    answered: int  # of those, attempts that gave an answer
    correct: int  # answers worth every point
    partly_correct: int  # answers worth some points (multiple choice with partial credit)
    most_common_wrong: WrongAnswer | None

    @property
    def kind_label(self) -> str:
        return Question.Kind(self.kind).label

    @property
    def left_blank(self) -> int:
        return self.drawn - self.answered

    @property
    def share_correct(self) -> float | None:
        """Percent of the answers that were right; None when nobody answered."""
        return 100 * self.correct / self.answered if self.answered else None


@dataclass(frozen=True, slots=True)
class QuizAnalytics:
    attempts: int  # counted, submitted, on time: the attempts the figures come from
    students: int
    passed_students: int
    average_score: Decimal | None
    late_attempts: int  # left out: their answers were not counted
    questions: tuple[QuestionStats, ...]


@dataclass
class _Tally:
    kind: str
    title: str
    text: str
    first_seen: int
    drawn: int = 0
    answered: int = 0
    correct: int = 0
    partly: int = 0
    wrong: Counter = field(default_factory=Counter)  # key → times given
    labels: dict = field(default_factory=dict)  # key → text shown (the latest snapshot's)


def _number_text(answer: str) -> str:
    number = grading.parse_number(answer)
    return grading.normalise_text(answer) if number is None else grading.number_text(number)


def _tally_wrong(tally: _Tally, question: dict, answer) -> None:
    """Count what made `answer` wrong: the wrong choices picked, or the answer given."""
    kind = question["kind"]
    if kind in (grading.SINGLE, grading.MULTIPLE):
        picked = set(answer if isinstance(answer, list) else [answer])
        for choice in question["choices"]:
            if choice["id"] in picked and not choice["is_correct"]:
                tally.wrong[choice["id"]] += 1
                tally.labels[choice["id"]] = choice["text"]
    elif kind == grading.TRUE_FALSE:
        key = "true" if answer else "false"
        tally.wrong[key] += 1
        tally.labels[key] = _("True") if answer else _("False")
    elif kind in (grading.SHORT_ANSWER, grading.NUMERIC):
        key = _number_text(answer) if kind == grading.NUMERIC else grading.normalise_text(answer)
        tally.wrong[key] += 1
        tally.labels[key] = key


def question_analytics(*, quiz: Quiz) -> QuizAnalytics:
    """Per question of `quiz`, as the submitted counted attempts drew it: how many answered,
    the share right, and the wrong answer given most. Four queries, whatever the number of
    attempts (they are read in chunks, not all at once).

    Late attempts are left out (their answers were not counted), as are course managers'.
    Right and wrong are as each attempt was graded (its snapshot), so editing a question
    later does not rewrite its figures; the text shown is the question's current one while
    it is still in the pool.
    """
    submitted = Attempt.objects.filter(quiz=quiz, counted=True, submitted_at__isnull=False)
    on_time = Q(late=False)
    summary = submitted.aggregate(
        on_time_count=Count("id", filter=on_time),
        late_count=Count("id", filter=Q(late=True)),
        student_count=Count("student_id", filter=on_time, distinct=True),
        passed_count=Count("student_id", filter=Q(passed=True), distinct=True),
        average_score=Avg("score", filter=on_time),
    )

    tallies: dict[int, _Tally] = {}
    snapshots = submitted.filter(on_time).order_by("pk").values_list("snapshot", "answers")
    for snapshot, answers in snapshots.iterator(chunk_size=200):
        for question in snapshot.get("questions", []):
            tally = tallies.get(question["id"])
            if tally is None:
                tally = tallies[question["id"]] = _Tally(
                    kind=question["kind"],
                    title=question.get("title", ""),
                    text=question["text"],
                    first_seen=len(tallies),
                )
            tally.drawn += 1
            answer = (answers or {}).get(str(question["id"]))
            if answer is None:
                continue
            tally.answered += 1
            fraction = grading.question_fraction(question, answer)
            if fraction == 1:
                tally.correct += 1
                continue
            if fraction > 0:
                tally.partly += 1
            _tally_wrong(tally, question, answer)

    pool = list(quiz.questions.order_by("order", "id").values_list("pk", "kind", "title", "text"))
    current_choices = dict(
        Choice.objects.filter(question__quiz=quiz).values_list("pk", "text").order_by()
    )
    in_pool = {pk for pk, *_rest in pool}
    for pk, kind, title, text in pool:
        tally = tallies.get(pk)
        if tally is None:
            tallies[pk] = _Tally(kind=kind, title=title, text=text, first_seen=len(tallies))
        else:  # the current wording
            tally.kind, tally.title, tally.text = kind, title, text
    order = [pk for pk, *_rest in pool] + sorted(
        (pk for pk in tallies if pk not in in_pool), key=lambda pk: tallies[pk].first_seen
    )

    def most_common_wrong(tally: _Tally) -> WrongAnswer | None:
        if not tally.wrong:
            return None
        # Ties go to the smallest key, choice ids (int) before typed answers (str), so the
        # page is stable; a kind changed in the admin mixes both, which never compare.
        key, count = min(
            tally.wrong.items(),
            key=lambda item: (-item[1], isinstance(item[0], str), item[0]),
        )
        label = tally.labels[key]
        if tally.kind in Question.CHOICE_KINDS:
            label = current_choices.get(key, label)
        return WrongAnswer(text=label, count=count)

    questions = tuple(
        QuestionStats(
            id=pk,
            number=number,
            kind=tallies[pk].kind,
            title=tallies[pk].title,
            text_html=render_markdown(tallies[pk].text),
            in_pool=pk in in_pool,
            drawn=tallies[pk].drawn,
            answered=tallies[pk].answered,
            correct=tallies[pk].correct,
            partly_correct=tallies[pk].partly,
            most_common_wrong=most_common_wrong(tallies[pk]),
        )
        for number, pk in enumerate(order, start=1)
    )
    return QuizAnalytics(
        attempts=summary["on_time_count"],
        students=summary["student_count"],
        passed_students=summary["passed_count"],
        average_score=summary["average_score"],
        late_attempts=summary["late_count"],
        questions=questions,
    )

"""Quizzes: a quiz lecture's settings, its question pool, and the attempts at it.

An attempt keeps the questions and choices it drew as they were (``Attempt.snapshot``), so
editing or deleting questions never rewrites a past attempt. Deleting the quiz lecture
deletes its attempts, as it deletes the lecture's completions.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import cache
from courses.models import Lecture


class Quiz(models.Model):
    class Feedback(models.TextChoices):
        AFTER_EACH_ATTEMPT = "after_each_attempt", _("After each attempt")
        AFTER_PASSING = "after_passing", _("Only after passing")
        NEVER = "never", _("Never")

    lecture = models.OneToOneField(
        Lecture,
        on_delete=models.CASCADE,
        related_name="quiz",
        limit_choices_to={"kind": Lecture.Kind.QUIZ},
        verbose_name=_("lecture"),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MaxValueValidator(100)]
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: unlimited."),
    )
    time_limit_seconds = models.PositiveIntegerField(
        _("time limit (seconds)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 3600)],
        help_text=_("Empty: no time limit."),
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=False)
    draw_count = models.PositiveSmallIntegerField(
        _("questions drawn per attempt"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: every question."),
    )
    feedback = models.CharField(
        _("feedback shown"),
        max_length=20,
        choices=Feedback,
        default=Feedback.AFTER_EACH_ATTEMPT,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_percent"),
            models.CheckConstraint(
                condition=Q(attempts_allowed__isnull=True) | Q(attempts_allowed__gte=1),
                name="quiz_attempts_allowed_positive",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_seconds__isnull=True) | Q(time_limit_seconds__gte=1),
                name="quiz_time_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(draw_count__isnull=True) | Q(draw_count__gte=1),
                name="quiz_draw_count_positive",
            ),
        ]

    def __str__(self):
        return str(self.lecture)

    def clean(self):
        super().clean()
        if self.lecture_id and self.lecture.kind != Lecture.Kind.QUIZ:
            raise ValidationError({"lecture": _("Only a quiz lecture can hold a quiz.")})


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice (all that apply)")
        TRUE_FALSE = "true_false", _("True or false")
        SHORT_ANSWER = "short_answer", _("Short answer")
        NUMERIC = "numeric", _("Numeric")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)

    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("quiz")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.SINGLE)
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("question (Markdown)"))
    explanation = models.TextField(_("explanation (Markdown)"), blank=True)
    points = models.PositiveSmallIntegerField(
        _("points"), default=1, validators=[MinValueValidator(1)]
    )
    partial_credit = models.BooleanField(
        _("partial credit"),
        default=False,
        help_text=_("Multiple choice: (correct picked − wrong picked) / correct, at least 0."),
    )
    # True or false: the right answer.
    true_false_answer = models.BooleanField(_("the statement is true"), null=True, blank=True)
    # Numeric: right when within value ± tolerance.
    numeric_value = models.DecimalField(
        _("value"), max_digits=24, decimal_places=8, null=True, blank=True
    )
    numeric_tolerance = models.DecimalField(
        _("tolerance"), max_digits=24, decimal_places=8, default=0
    )
    # Short answer: any of these, ignoring case and extra spaces.
    accepted_answers = models.JSONField(_("accepted answers"), default=list, blank=True)

    class Meta:
        ordering = ["quiz", "order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["quiz", "order"], name="question_quiz_order_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1), name="question_points_positive"),
            models.CheckConstraint(
                condition=Q(numeric_tolerance__gte=0), name="question_tolerance_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="numeric") | Q(numeric_value__isnull=False),
                name="question_numeric_has_value",
            ),
            models.CheckConstraint(
                condition=~Q(kind="true_false") | Q(true_false_answer__isnull=False),
                name="question_true_false_has_answer",
            ),
        ]

    def __str__(self):
        return self.title or self.text[:60]

    def clean(self):
        super().clean()
        if self.kind == self.Kind.NUMERIC and self.numeric_value is None:
            raise ValidationError({"numeric_value": _("A numeric question needs a value.")})
        if self.kind == self.Kind.TRUE_FALSE and self.true_false_answer is None:
            raise ValidationError({"true_false_answer": _("Say whether the statement is true.")})
        answers = self.accepted_answers
        if answers is None:  # the admin's box left empty
            self.accepted_answers = answers = []
        # Every kind, not only short answers: the quiz, the editor and the export read it.
        if not isinstance(answers, list) or not all(
            isinstance(a, str) and a.strip() for a in answers
        ):
            raise ValidationError({"accepted_answers": _("List the accepted answers as text.")})
        if self.kind == self.Kind.SHORT_ANSWER and not answers:
            raise ValidationError(
                {"accepted_answers": _("List at least one accepted answer, as text.")}
            )


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("text"))
    is_correct = models.BooleanField(_("correct"), default=False)
    explanation = models.TextField(_("explanation (Markdown)"), blank=True)

    class Meta:
        ordering = ["question", "order", "id"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text[:60]


class Attempt(models.Model):
    """One try at a quiz; kept for good, with the questions as they were drawn."""

    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("quiz")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
        verbose_name=_("student"),
    )
    started_at = models.DateTimeField(_("started"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    score = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), default=False)
    # Submitted after the deadline and its grace: the answers are kept but not counted.
    late = models.BooleanField(_("late"), default=False)
    # Course managers try quizzes too; their attempts never count against a limit.
    counted = models.BooleanField(_("counted"), default=True)
    seed = models.PositiveIntegerField(_("seed"))
    # The drawn questions and choices in the order shown, with their answers (see
    # services.quiz_snapshot); never changed after the attempt starts.
    snapshot = models.JSONField(_("questions as drawn"))
    answers = models.JSONField(_("answers"), default=dict, blank=True)

    objects = cache.TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "student"],
                condition=Q(submitted_at__isnull=True),
                name="attempt_one_open_per_student",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True, score__isnull=True, passed=False)
                | Q(submitted_at__isnull=False, score__isnull=False),
                name="attempt_score_once_submitted",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="attempt_score_percent",
            ),
        ]
        indexes = [
            models.Index(fields=["quiz", "student", "counted"], name="attempt_quiz_student_idx"),
            models.Index(fields=["student", "started_at"], name="attempt_student_started_idx"),
        ]

    def __str__(self):
        return f"{self.student} → {self.quiz}"

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None


class ExtraAttempt(models.Model):
    """One more attempt at a quiz for one student, beyond the quiz's limit."""

    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, related_name="extra_attempts", verbose_name=_("quiz")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="extra_quiz_attempts",
        verbose_name=_("student"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("extra attempt")
        verbose_name_plural = _("extra attempts")
        indexes = [models.Index(fields=["quiz", "student"], name="extra_attempt_quiz_student_idx")]

    def __str__(self):
        return f"{self.student} → {self.quiz}"


# An open attempt's page reads the attempt from the cache (assessment.selectors): any change
# to it (a submission above all) moves its version.
ATTEMPT_VERSIONS = cache.Family("attempt")
cache.track(Attempt, ATTEMPT_VERSIONS, "pk")

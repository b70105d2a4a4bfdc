"""Forms of quiz authoring in the workspace. They parse input; assessment.authoring writes.

The rules the forms check (a single-choice question has exactly one correct choice, …) are
checked again by the services, which are the authority; the forms only say it earlier and
next to the right field.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assessment.authoring import MAX_CHOICES, ChoiceData, QuestionFields
from assessment.models import Question, Quiz
from teaching.forms import IdListField

MAX_POINTS = 1000
MAX_ATTEMPTS = 1000
MAX_DRAW = 1000
MAX_TIME_LIMIT_MINUTES = 24 * 60
MAX_TEXT = 10_000
MAX_CHOICE_TEXT = 2_000
MAX_ACCEPTED_ANSWERS = 50
MAX_GIFT_BYTES = 512 * 1024
GIFT_EXTENSIONS = (".txt", ".gift")


class QuizSettingsForm(forms.Form):
    pass_mark = forms.IntegerField(
        label=_("Pass mark (%)"),
        min_value=0,
        max_value=100,
        help_text=_("The score a student needs to pass, and so to complete the lecture."),
    )
    attempts_allowed = forms.IntegerField(
        label=_("Attempts allowed"),
        required=False,
        min_value=1,
        max_value=MAX_ATTEMPTS,
        help_text=_("Leave empty for unlimited attempts."),
    )
    time_limit_minutes = forms.IntegerField(
        label=_("Time limit (minutes)"),
        required=False,
        min_value=1,
        max_value=MAX_TIME_LIMIT_MINUTES,
        help_text=_("Leave empty for no time limit. Answers sent after it are not counted."),
    )
    shuffle_questions = forms.BooleanField(label=_("Shuffle the questions"), required=False)
    shuffle_choices = forms.BooleanField(label=_("Shuffle the choices"), required=False)
    draw_count = forms.IntegerField(
        label=_("Questions drawn per attempt"),
        required=False,
        min_value=1,
        max_value=MAX_DRAW,
        help_text=_("Leave empty to ask every question; else each attempt draws this many."),
    )
    feedback = forms.ChoiceField(
        label=_("Show right answers and explanations"),
        choices=Quiz.Feedback.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, quiz: Quiz, **kwargs):
        self.quiz = quiz
        seconds = quiz.time_limit_seconds
        kwargs.setdefault(
            "initial",
            {
                "pass_mark": quiz.pass_mark,
                "attempts_allowed": quiz.attempts_allowed,
                # A limit set in seconds elsewhere (the admin) shows rounded up.
                "time_limit_minutes": None if seconds is None else -(-seconds // 60),
                "shuffle_questions": quiz.shuffle_questions,
                "shuffle_choices": quiz.shuffle_choices,
                "draw_count": quiz.draw_count,
                "feedback": quiz.feedback,
            },
        )
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        minutes = data["time_limit_minutes"]
        if "time_limit_minutes" in self.changed_data:
            seconds = None if minutes is None else minutes * 60
        else:  # unchanged: keep a limit of 90 seconds as it is, not 120
            seconds = self.quiz.time_limit_seconds
        return {
            "pass_mark": data["pass_mark"],
            "attempts_allowed": data["attempts_allowed"],
            "time_limit_seconds": seconds,
            "shuffle_questions": data["shuffle_questions"],
            "shuffle_choices": data["shuffle_choices"],
            "draw_count": data["draw_count"],
            "feedback": data["feedback"],
        }


class QuestionOrderForm(forms.Form):
    question = IdListField()


class AddQuestionForm(forms.Form):
    """The editor's "Add a question" picker (GET to the question form)."""

    kind = forms.ChoiceField(label=_("Kind of question"), choices=Question.Kind.choices)


def _markdown(label, **kwargs):
    return forms.CharField(
        label=label,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": kwargs.pop("rows", 4)}),
        **kwargs,
    )


class QuestionForm(forms.Form):
    """One question of one kind; the fields of other kinds are removed."""

    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Optional: a short name for the question list and GIFT files."),
    )
    text = _markdown(_("Question (Markdown)"), rows=5)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=MAX_POINTS, initial=1)
    partial_credit = forms.BooleanField(
        label=_("Partial credit"),
        required=False,
        help_text=_(
            "Score (right choices picked − wrong choices picked) ÷ right choices, at least 0. "
            "Without it, only the exact set of right choices scores."
        ),
    )
    true_false_answer = forms.TypedChoiceField(
        label=_("The statement is"),
        choices=[("true", _("True")), ("false", _("False"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    accepted_answers = forms.CharField(
        label=_("Accepted answers"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_TEXT,
        help_text=_("One per line. Case, surrounding spaces and repeated spaces do not matter."),
    )
    numeric_value = forms.DecimalField(
        label=_("Value"), max_digits=24, decimal_places=8, help_text=_("For example 3.14")
    )
    numeric_tolerance = forms.DecimalField(
        label=_("Tolerance (±)"),
        max_digits=24,
        decimal_places=8,
        min_value=0,
        initial=0,
        help_text=_("An answer within value ± tolerance is right."),
    )
    explanation = _markdown(
        _("Explanation (Markdown)"),
        required=False,
        help_text=_("Shown with the right answer, as the quiz's feedback setting allows."),
    )

    KIND_FIELDS = {
        Question.Kind.MULTIPLE: {"partial_credit"},
        Question.Kind.TRUE_FALSE: {"true_false_answer"},
        Question.Kind.SHORT_ANSWER: {"accepted_answers"},
        Question.Kind.NUMERIC: {"numeric_value", "numeric_tolerance"},
    }
    OWN_FIELDS = {"partial_credit", "true_false_answer", "accepted_answers"} | {
        "numeric_value",
        "numeric_tolerance",
    }

    def __init__(self, *args, kind: str, question: Question | None = None, **kwargs):
        self.kind = kind
        if question is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": question.title,
                    "text": question.text,
                    "points": question.points,
                    "partial_credit": question.partial_credit,
                    "true_false_answer": {True: "true", False: "false"}.get(
                        question.true_false_answer
                    ),
                    "accepted_answers": "\n".join(question.accepted_answers or []),
                    "numeric_value": question.numeric_value,
                    "numeric_tolerance": question.numeric_tolerance,
                    "explanation": question.explanation,
                },
            )
        super().__init__(*args, **kwargs)
        for name in self.OWN_FIELDS - self.KIND_FIELDS.get(kind, set()):
            del self.fields[name]

    def clean_accepted_answers(self):
        lines = self.cleaned_data["accepted_answers"].splitlines()
        # The field is required, so at least one line holds text.
        answers = list(dict.fromkeys(line.strip() for line in lines if line.strip()))
        if len(answers) > MAX_ACCEPTED_ANSWERS:
            raise ValidationError(
                _("List at most %(max)d accepted answers.") % {"max": MAX_ACCEPTED_ANSWERS}
            )
        return answers

    def question_fields(self, *, choices: list[ChoiceData]) -> QuestionFields:
        """The cleaned question, with `choices` (the choice formset's), for the services."""
        data = self.cleaned_data
        return QuestionFields(
            title=data["title"].strip(),
            text=data["text"].strip(),
            points=data["points"],
            explanation=data["explanation"].strip(),
            partial_credit=data.get("partial_credit", False),
            true_false_answer=data.get("true_false_answer"),
            accepted_answers=data.get("accepted_answers", []),
            numeric_value=data.get("numeric_value"),
            numeric_tolerance=data.get("numeric_tolerance") or 0,
            choices=choices,
        )


class ChoiceForm(forms.Form):
    # The choice being edited (empty for a new row); the service checks it belongs to the
    # question, so a forged id changes nothing.
    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    text = forms.CharField(
        label=_("Text"), max_length=MAX_CHOICE_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_correct = forms.BooleanField(label=_("Correct"), required=False)
    explanation = forms.CharField(
        label=_("Explanation (Markdown)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BaseChoiceFormSet(forms.BaseFormSet):
    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this choice")

    def kept_forms(self) -> list:
        """The filled rows not marked for removal, in order."""
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form)
        ]

    def clean(self):
        if any(self.errors):
            return
        kept = [form.cleaned_data for form in self.kept_forms()]
        if len(kept) < 2:
            raise ValidationError(_("Give at least two choices."))
        correct = sum(1 for row in kept if row.get("is_correct"))
        if self.kind == Question.Kind.SINGLE and correct != 1:
            raise ValidationError(_("Mark exactly one choice as correct."))
        if self.kind == Question.Kind.MULTIPLE and correct < 1:
            raise ValidationError(_("Mark at least one choice as correct."))

    def choices(self) -> list[ChoiceData]:
        return [
            ChoiceData(
                text=row["text"],
                is_correct=row.get("is_correct", False),
                explanation=row.get("explanation", ""),
                id=row.get("id"),
            )
            for row in (form.cleaned_data for form in self.kept_forms())
        ]


ChoiceFormSet = forms.formset_factory(
    ChoiceForm,
    formset=BaseChoiceFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_CHOICES,
    validate_max=True,
    absolute_max=MAX_CHOICES + 10,
)
CHOICES_PREFIX = "choices"


def choice_formset(*, kind: str, data=None, question: Question | None = None, initial=None):
    """The choice rows of a choice question: its choices and two empty rows to fill."""
    if initial is None and question is not None:
        initial = [
            {"id": c.pk, "text": c.text, "is_correct": c.is_correct, "explanation": c.explanation}
            for c in question.choices.all()
        ]
    if initial is None and data is None:
        initial = []
    formset_class = ChoiceFormSet
    if question is None and not initial:
        # A new question starts with four empty rows.
        formset_class = forms.formset_factory(
            ChoiceForm,
            formset=BaseChoiceFormSet,
            extra=4,
            can_delete=True,
            max_num=MAX_CHOICES,
            validate_max=True,
            absolute_max=MAX_CHOICES + 10,
        )
    return formset_class(data, initial=initial, kind=kind, prefix=CHOICES_PREFIX)


def more_rows(form: QuestionForm, formset: BaseChoiceFormSet) -> tuple[QuestionForm, object]:
    """The posted question shown again, unsaved and without errors, with two more empty
    choice rows (the "Add more choices" button, which needs no JavaScript)."""

    def typed(bound_form):
        return {name: bound_form[name].value() for name in bound_form.fields}

    question_initial = typed(form)
    if "true_false_answer" in question_initial and isinstance(
        question_initial["true_false_answer"], bool
    ):
        question_initial["true_false_answer"] = (
            "true" if question_initial["true_false_answer"] else "false"
        )
    rows = []
    for row in formset.forms[: MAX_CHOICES - 2]:
        values = typed(row)
        blank = not (values.get("text") or "").strip() and not values.get("id")
        if values.pop("DELETE", False) or blank:
            continue
        rows.append(values)
    fresh_form = QuestionForm(kind=form.kind, initial=question_initial)
    return fresh_form, choice_formset(kind=formset.kind, initial=rows)


class GiftImportForm(forms.Form):
    file = forms.FileField(
        label=_("GIFT file"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ",".join(GIFT_EXTENSIONS)}),
        help_text=_("A .txt or .gift file in Moodle's GIFT format, UTF-8."),
    )
    text = forms.CharField(
        label=_("Or paste GIFT text"),
        required=False,
        max_length=MAX_GIFT_BYTES,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload:
            return ""
        if not upload.name.lower().endswith(GIFT_EXTENSIONS):
            raise ValidationError(_("Choose a .txt or .gift file."))
        if upload.size > MAX_GIFT_BYTES:
            raise ValidationError(
                _("The file is too large (at most %(kb)d KB).") % {"kb": MAX_GIFT_BYTES // 1024}
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text.")) from None
        if "\x00" in text:  # as pasted text (Django refuses it there); PostgreSQL would too
            raise ValidationError(_("The file is not a text file."))
        return text

    def clean(self):
        data = super().clean()
        source, pasted = data.get("file", ""), data.get("text", "")
        if "file" in self.errors or "text" in self.errors:
            return data
        if source and pasted.strip():
            raise ValidationError(_("Upload a file or paste text, not both."))
        if not (source or pasted.strip()):
            raise ValidationError(_("Upload a GIFT file or paste GIFT text."))
        data["source"] = source or pasted
        return data

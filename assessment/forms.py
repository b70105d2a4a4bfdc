"""The attempt form: turns a posted quiz sheet into the answers `attempt_submit` takes."""

from django.utils.translation import gettext as _

from assessment import grading
from assessment.selectors import AttemptSheet


def field_name(question_id: int) -> str:
    return f"q{question_id}"


class AttemptForm:
    """A posted attempt, question by question; every question may be left unanswered.

    Not a django.forms.Form: the fields come from the attempt's snapshot, and the template
    renders each question as its own fieldset.
    """

    def __init__(self, sheet: AttemptSheet, data=None):
        self.sheet = sheet
        self.data = data
        self.errors: dict[int, list[str]] = {}
        self.answers: dict[str, object] = {}

    def is_valid(self) -> bool:
        """Whether every answer can be read; `answers` holds those that can."""
        self.errors, self.answers = {}, {}
        for question in self.sheet.questions:
            name = field_name(question.id)
            if question.kind == grading.MULTIPLE:
                value = [v for v in self.data.getlist(name) if v]
                if value:
                    self.answers[str(question.id)] = value
                continue
            value = (self.data.get(name) or "").strip()
            if not value:
                continue
            if len(value) > grading.MAX_TEXT_ANSWER:
                self.errors[question.id] = [
                    _("Keep the answer under %(max)d characters.")
                    % {"max": grading.MAX_TEXT_ANSWER}
                ]
            elif question.kind == grading.NUMERIC and grading.parse_number(value) is None:
                self.errors[question.id] = [_("Enter a number, such as 12 or 3.5.")]
            else:
                self.answers[str(question.id)] = value
        return not self.errors

    def entries(self) -> list[dict]:
        """Per question, what the template needs: its field name, what is checked or typed,
        and its errors."""
        rows = []
        for question in self.sheet.questions:
            name = field_name(question.id)
            if self.data is None:
                picked, text = set(), ""
            else:
                picked = set(self.data.getlist(name))
                text = self.data.get(name, "")
            rows.append(
                {
                    "question": question,
                    "name": name,
                    "choices": [(c, str(c.id) in picked) for c in question.choices],
                    "true_checked": "true" in picked,
                    "false_checked": "false" in picked,
                    "text": text
                    if question.kind in (grading.SHORT_ANSWER, grading.NUMERIC)
                    else "",
                    "errors": self.errors.get(question.id, []),
                }
            )
        return rows

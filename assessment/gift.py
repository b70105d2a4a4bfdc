"""Moodle's GIFT format, for the question kinds Edu Sphere has: parse and write.

pygiftparser (the one GIFT parser on PyPI) was looked at and not used: a single 2017
release, tied to HTML generation, and no writer. This module handles the subset a question
bank moves with:

- multiple choice with one right answer (``=right ~wrong``), and all-that-apply with
  weights (``~%50%right ~%-100%wrong``);
- true/false (``{T}``, ``{TRUE}``, ``{F}``, ``{FALSE}``);
- short answer (``{=one =two}``);
- numeric (``{#3.14:0.01}``, ``{#1..5}``, ``{#=3.14:0.01}``);
- answer feedback (``#``), general feedback (``####``), comments (``//``), titles
  (``::title::``), a format tag (``[markdown]``) and the escapes ``\\: \\= \\~ \\# \\{ \\}
  \\\\ \\n``.

Points are not part of GIFT: imported questions are worth one point. Feedback of a
true/false, short or numeric answer has no field here and is dropped on import. An
all-that-apply question with partial credit is written with wrong choices weighted
-100/(right choices), and without with -100 each: that is how it reads back.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from assessment.grading import number_text

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
SHORT_ANSWER = "short_answer"
NUMERIC = "numeric"


class GiftError(ValueError):
    """A question the parser cannot read; the message names it by its position."""


@dataclass
class GiftChoice:
    text: str
    is_correct: bool
    feedback: str = ""


@dataclass
class GiftQuestion:
    kind: str
    text: str
    title: str = ""
    general_feedback: str = ""
    choices: list[GiftChoice] = field(default_factory=list)
    partial_credit: bool = False
    true_false_answer: bool | None = None
    accepted_answers: list[str] = field(default_factory=list)
    numeric_value: Decimal | None = None
    numeric_tolerance: Decimal = Decimal(0)


# Escaped characters become private-use code points while parsing, so the structure can be
# read with plain string operations, and come back as themselves at the end.
_ESCAPES = {"\\": "\ue000", ":": "\ue001", "=": "\ue002", "~": "\ue003", "#": "\ue004",
            "{": "\ue005", "}": "\ue006"}  # fmt: skip
_UNESCAPE = {code: char for char, code in _ESCAPES.items()}
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
_TITLE_RE = re.compile(r"\A\s*::(.*?)::", re.DOTALL)
_FORMAT_RE = re.compile(r"\A\s*\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"\A%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE_RE = re.compile(r"\A(TRUE|FALSE|T|F)(?![^#\s])", re.IGNORECASE)


def _protect(text: str) -> str:
    def replace(match):
        char = match[1]
        if char == "n":
            return "\n"
        return _ESCAPES.get(char, match[0])

    return _ESCAPE_RE.sub(replace, text)


def _restore(text: str) -> str:
    return "".join(_UNESCAPE.get(char, char) for char in text).strip()


def _chunks(source: str) -> list[str]:
    """The questions of a GIFT file: blocks of lines between blank lines, comments out."""
    chunks, lines = [], []
    for line in source.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped.startswith("$CATEGORY:"):
            continue
        if stripped:
            lines.append(line)
        elif lines:
            chunks.append("\n".join(lines))
            lines = []
    if lines:
        chunks.append("\n".join(lines))
    return chunks


def _split_feedback(entry: str) -> tuple[str, str]:
    text, _sep, feedback = entry.partition("#")
    return text, feedback


def _not_a_number(text: str, number: int) -> GiftError:
    return GiftError(
        _("Question %(number)s: %(text)s is not a number.")
        % {"number": number, "text": repr(text.strip())}
    )


def _number(text: str, number: int) -> Decimal:
    try:
        value = Decimal(_restore(text))
    except InvalidOperation:
        raise _not_a_number(text, number) from None
    if not value.is_finite():
        raise _not_a_number(text, number)
    return value


def _entries(block: str, number: int) -> list[tuple[str, str]]:
    """(marker, rest) for each ``=`` or ``~`` answer of a block."""
    entries, marker, start = [], None, 0
    for index, char in enumerate(block):
        if char in "=~":
            if marker is not None:
                entries.append((marker, block[start:index]))
            elif block[:index].strip():
                raise GiftError(
                    _("Question %(number)s: text before the first answer.") % {"number": number}
                )
            marker, start = char, index + 1
    if marker is not None:
        entries.append((marker, block[start:]))
    return entries


def _numeric(question: GiftQuestion, block: str, number: int) -> None:
    body = block[1:]
    if "=" in body:  # several answers: the first one with full credit is the answer
        for _marker, rest in _entries(body, number):
            weight = _WEIGHT_RE.match(rest.strip())
            if weight is None or Decimal(weight[1]) == 100:
                body = rest.strip()[weight.end() :] if weight else rest
                break
        else:
            raise GiftError(
                _("Question %(number)s: no numeric answer with full credit.") % {"number": number}
            )
    spec, _feedback = _split_feedback(body)
    spec = _restore(spec)
    if ".." in spec:
        low, high = (_number(part, number) for part in spec.split("..", 1))
        if high < low:
            raise GiftError(
                _("Question %(number)s: the range ends below its start.") % {"number": number}
            )
        try:
            question.numeric_value = (low + high) / 2
            question.numeric_tolerance = (high - low) / 2
        except ArithmeticError:  # decimal.Overflow: far beyond what a question can hold
            raise GiftError(
                _("Question %(number)s: the range %(range)s is too large.")
                % {"number": number, "range": repr(spec.strip())}
            ) from None
    elif ":" in spec:
        value, tolerance = spec.split(":", 1)
        question.numeric_value = _number(value, number)
        # copy_abs(), unlike abs(), cannot overflow: full_clean() refuses what is too large.
        question.numeric_tolerance = _number(tolerance, number).copy_abs()
    else:
        question.numeric_value = _number(spec, number)


def _choices(question: GiftQuestion, block: str, number: int) -> None:
    entries = _entries(block, number)
    if not entries:
        raise GiftError(_("Question %(number)s: no answers.") % {"number": number})
    if any("->" in rest for _marker, rest in entries):
        raise GiftError(
            _("Question %(number)s: matching questions are not supported.") % {"number": number}
        )
    parsed = []
    for marker, rest in entries:
        rest = rest.strip()
        weight = _WEIGHT_RE.match(rest)
        if weight:
            rest = rest[weight.end() :]
        text, feedback = _split_feedback(rest)
        parsed.append((marker, Decimal(weight[1]) if weight else None, text, feedback))
    weighted = any(weight is not None for _m, weight, _t, _f in parsed)
    if all(marker == "=" for marker, *_rest in parsed) and not weighted:
        question.kind = SHORT_ANSWER
        question.accepted_answers = [_restore(text) for _m, _w, text, _f in parsed]
        return
    if all(marker == "=" for marker, *_rest in parsed):
        question.kind = SHORT_ANSWER
        question.accepted_answers = [
            _restore(text) for _m, weight, text, _f in parsed if weight is None or weight == 100
        ]
        return
    for marker, weight, text, feedback in parsed:
        correct = marker == "=" if weight is None else weight > 0
        question.choices.append(GiftChoice(_restore(text), correct, _restore(feedback)))
    if weighted:
        question.kind = MULTIPLE
        wrong = [weight for _m, weight, _t, _f in parsed if weight is not None and weight <= 0]
        question.partial_credit = bool(wrong) and all(weight > -100 for weight in wrong)
    else:
        question.kind = SINGLE
    if not any(choice.is_correct for choice in question.choices):
        raise GiftError(_("Question %(number)s: no right answer.") % {"number": number})


def _question(chunk: str, number: int) -> GiftQuestion:
    text = _protect(chunk)
    title = ""
    match = _TITLE_RE.match(text)
    if match:
        title, text = _restore(match[1]), text[match.end() :]
    match = _FORMAT_RE.match(text)
    if match:
        text = text[match.end() :]
    opening, closing = text.find("{"), text.rfind("}")
    if opening < 0 or closing < opening:
        raise GiftError(_("Question %(number)s: no answer block {...}.") % {"number": number})
    if "{" in text[opening + 1 : closing]:
        raise GiftError(_("Question %(number)s: more than one answer block.") % {"number": number})
    before, block, after = text[:opening], text[opening + 1 : closing], text[closing + 1 :]
    stem = _restore(before if not after.strip() else f"{before.rstrip()} _____ {after.lstrip()}")
    if not stem:
        raise GiftError(_("Question %(number)s: no question text.") % {"number": number})
    block, _sep, general = block.partition("####")
    question = GiftQuestion(kind=SINGLE, text=stem, title=title, general_feedback=_restore(general))
    block = block.strip()
    if block.startswith("#"):
        question.kind = NUMERIC
        _numeric(question, block, number)
    elif match := _TRUE_FALSE_RE.match(block):
        question.kind = TRUE_FALSE
        question.true_false_answer = match[1].upper().startswith("T")
    else:
        _choices(question, block, number)
    return question


def parse(source: str) -> list[GiftQuestion]:
    """Every question of a GIFT file, in order; GiftError names the first it cannot read."""
    return [_question(chunk, number) for number, chunk in enumerate(_chunks(source), start=1)]


def _escape(text: str) -> str:
    for char in "\\:=~#{}":
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def _weight(number: Decimal) -> str:
    return number_text(number.quantize(Decimal("0.00001")))


def _answers(question: GiftQuestion) -> list[str]:
    if question.kind == TRUE_FALSE:
        return ["TRUE" if question.true_false_answer else "FALSE"]
    if question.kind == NUMERIC:
        value, tolerance = question.numeric_value, question.numeric_tolerance
        return [f"#{number_text(value)}:{number_text(tolerance)}"]
    if question.kind == SHORT_ANSWER:
        return [f"={_escape(answer)}" for answer in question.accepted_answers]
    lines = []
    right = sum(choice.is_correct for choice in question.choices) or 1
    for choice in question.choices:
        feedback = f"#{_escape(choice.feedback)}" if choice.feedback else ""
        if question.kind == SINGLE:
            marker = "=" if choice.is_correct else "~"
        elif choice.is_correct:
            marker = f"~%{_weight(Decimal(100) / right)}%"
        else:
            wrong = Decimal(100) / right if question.partial_credit else Decimal(100)
            marker = f"~%-{_weight(wrong)}%"
        lines.append(f"{marker}{_escape(choice.text)}{feedback}")
    return lines


def dump(questions: list[GiftQuestion]) -> str:
    """`questions` as a GIFT file Moodle imports (and `parse` reads back the same)."""
    out = []
    for question in questions:
        head = f"::{_escape(question.title)}::" if question.title else ""
        lines = [f"{head}[markdown]{_escape(question.text)}{{"]
        lines += [f"\t{answer}" for answer in _answers(question)]
        if question.general_feedback:
            lines.append(f"\t####{_escape(question.general_feedback)}")
        lines.append("}")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n" if out else ""

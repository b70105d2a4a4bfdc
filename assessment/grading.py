"""Grading of one answer against one snapshot question: pure functions, no database.

A question scores a fraction of its points in [0, 1]. Answers arrive already cleaned
(`clean_answer`): a choice id, a list of choice ids, a bool, or a string.
"""

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from core.numbers import parse_id

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
SHORT_ANSWER = "short_answer"
NUMERIC = "numeric"

MAX_TEXT_ANSWER = 1000


def normalise_text(text: str) -> str:
    """Case, surrounding spaces and repeated inner spaces do not matter."""
    return " ".join(text.split()).casefold()


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return parse_id(value.strip()) if isinstance(value, str) else None


def clean_answer(question: dict, value):
    """The answer to `question` in its stored shape, or None when it gives no answer.

    Anything malformed (unknown choice ids, wrong types, overlong text) is no answer.
    """
    kind = question["kind"]
    if kind == SINGLE:
        choice_id = _as_int(value[0] if isinstance(value, list) and len(value) == 1 else value)
        known = {choice["id"] for choice in question["choices"]}
        return choice_id if choice_id in known else None
    if kind == MULTIPLE:
        values = value if isinstance(value, list) else [value]
        known = {choice["id"] for choice in question["choices"]}
        picked = sorted({i for i in map(_as_int, values) if i in known})
        return picked or None
    if kind == TRUE_FALSE:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return None
    if kind in (SHORT_ANSWER, NUMERIC):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_ANSWER:
            return None
        return value.strip()
    return None


# Wider than any quantity a quiz asks for (6.02e23, 6.6e-34), narrow enough that arithmetic
# on an answer cannot overflow and writing it out in full ("1e999999999") stays short (its
# digits are bounded by the answer's length).
MAX_NUMBER_EXPONENT = 100


def parse_number(text: str) -> Decimal | None:
    """The number `text` writes, or None: not a number, or one of an absurd magnitude."""
    try:
        number = Decimal(text.strip().replace(" ", ""))
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number.adjusted()) > MAX_NUMBER_EXPONENT:
        return None
    return number


def number_text(number: Decimal) -> str:
    """`number` in plain digits and without trailing zeros: "100", not "1E+2" or "100.00"."""
    return format(number.normalize(), "f")


def question_fraction(question: dict, answer) -> Fraction:
    """The share of `question`'s points that the cleaned `answer` earns."""
    if answer is None:
        return Fraction(0)
    kind = question["kind"]
    if kind == SINGLE:
        correct = {c["id"] for c in question["choices"] if c["is_correct"]}
        return Fraction(int(answer in correct))
    if kind == MULTIPLE:
        correct = {c["id"] for c in question["choices"] if c["is_correct"]}
        picked = set(answer)
        if not correct:
            return Fraction(0)
        if not question["partial_credit"]:
            return Fraction(int(picked == correct))
        earned = len(picked & correct) - len(picked - correct)
        return max(Fraction(0), Fraction(earned, len(correct)))
    if kind == TRUE_FALSE:
        return Fraction(int(answer == question["true_false_answer"]))
    if kind == SHORT_ANSWER:
        accepted = {normalise_text(a) for a in question["accepted_answers"]}
        return Fraction(int(normalise_text(answer) in accepted))
    if kind == NUMERIC:
        number = parse_number(answer)
        if number is None:
            return Fraction(0)
        value, tolerance = Decimal(question["value"]), Decimal(question["tolerance"])
        return Fraction(int(abs(number - value) <= tolerance))
    return Fraction(0)


def score_fraction(questions: list[dict], answers: dict) -> Fraction:
    """Points earned over points available, in [0, 1]; 0 for a quiz without questions."""
    total = sum(q["points"] for q in questions)
    if not total:
        return Fraction(0)
    earned = sum(q["points"] * question_fraction(q, answers.get(str(q["id"]))) for q in questions)
    return Fraction(earned, total)

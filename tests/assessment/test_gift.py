"""GIFT import and export: the subset Edu Sphere's question kinds need, and round trips."""

import struct
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from assessment import gift
from assessment.gift import GiftChoice, GiftError, GiftQuestion
from assessment.models import Question
from assessment.selectors import quiz_gift_export
from assessment.services import quiz_gift_import
from tests.assessment.conftest import make_quiz, multiple, numeric, short_answer, single, true_false
from tests.factories import LectureFactory, StudentFactory

MOODLE_SAMPLE = r"""
// A comment line, then a category Moodle writes
$CATEGORY: $course$/Top/Basics

::Capital::[markdown]What is the capital of **France**?{
    =Paris#Right, Paris.
    ~Lyon#No, that is a large city.
    ~Marseille
    ####Paris has been the capital since 987.
}

::Primes::Which of these are prime? {
    ~%50%2
    ~%50%3
    ~%-100%4#4 \= 2 × 2
}

Grant is buried in Grant's tomb.{FALSE#Wrong feedback#Right feedback####General}

::Who::Who's buried in Grant's tomb?{=Grant =Ulysses S. Grant =Ulysses Grant}

::Pi::What is pi to two places?{#3.14:0.005}

Pick a number between 1 and 5.{#1..5}

::Escapes\: all of them::Mark \{curly\} \= \~ \# and a back\\slash{
    =A \: B#yes \# indeed
    ~C
}

Multi-answer numeric, first full-credit answer wins {#
    =%50%3.1:0.1
    =3.14159:0.0001
}

Only right answers, weighted {=%100%alpha =%50%alphabet}

Sky is blue {T}
"""


def test_parse_a_moodle_file():
    questions = gift.parse(MOODLE_SAMPLE)

    assert [q.kind for q in questions] == [
        "single", "multiple", "true_false", "short_answer", "numeric", "numeric", "single",
        "numeric", "short_answer", "true_false",
    ]  # fmt: skip
    capital, primes, tomb, who, pi, between, escapes, multi, weighted, sky = questions
    assert capital.title == "Capital"
    assert capital.text == "What is the capital of **France**?"
    assert capital.general_feedback == "Paris has been the capital since 987."
    assert capital.choices == [
        GiftChoice("Paris", True, "Right, Paris."),
        GiftChoice("Lyon", False, "No, that is a large city."),
        GiftChoice("Marseille", False, ""),
    ]
    assert [c.is_correct for c in primes.choices] == [True, True, False]
    assert primes.choices[2].feedback == "4 = 2 × 2"
    assert primes.partial_credit is False  # wrong choices weigh -100: all or nothing
    assert tomb.true_false_answer is False and tomb.general_feedback == "General"
    assert tomb.text == "Grant is buried in Grant's tomb."
    assert who.accepted_answers == ["Grant", "Ulysses S. Grant", "Ulysses Grant"]
    assert (pi.numeric_value, pi.numeric_tolerance) == (Decimal("3.14"), Decimal("0.005"))
    assert (between.numeric_value, between.numeric_tolerance) == (Decimal(3), Decimal(2))
    assert escapes.title == "Escapes: all of them"
    assert escapes.text == r"Mark {curly} = ~ # and a back\slash"
    assert escapes.choices[0] == GiftChoice("A : B", True, "yes # indeed")
    assert multi.numeric_value == Decimal("3.14159")
    assert weighted.accepted_answers == ["alpha"]
    assert sky.true_false_answer is True


def test_partial_credit_reads_from_wrong_choices_weighing_less_than_everything():
    (question,) = gift.parse("Which?{~%50%a ~%50%b ~%-50%c}")
    assert question.kind == "multiple" and question.partial_credit is True


@pytest.mark.parametrize(
    "source, message",
    [
        ("No answers here", "no answer block"),
        ("Empty {}", "no answers"),
        ("Match {=a -> 1 =b -> 2}", "matching"),
        ("Nothing right {~a ~b}", "no right answer"),
        ("Not a number {#abc}", "not a number"),
        ("Backwards {#5..1}", "range"),
        ("{=a}", "no question text"),
        ("Stray {junk =a}", "text before"),
        ("Two {=a} blocks {=b}", "more than one"),
    ],
)
def test_unreadable_questions_are_named(source, message):
    with pytest.raises(GiftError, match=message) as error:
        gift.parse("Fine {T}\n\n" + source)
    assert str(error.value).startswith("Question 2")


def write_catalog(path, messages: dict[str, str]) -> None:
    """A compiled gettext catalog (.mo) holding `messages`, in UTF-8."""
    messages = {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}
    keys = sorted(messages)
    ids = [key.encode() for key in keys]
    strs = [messages[key].encode() for key in keys]
    start = 7 * 4 + 16 * len(keys)
    offsets, data = [], b""
    for text in ids + strs:
        offsets.append((len(text), start + len(data)))
        data += text + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, start)
    table = b"".join(struct.pack("<2I", *pair) for pair in offsets)
    path.parent.mkdir(parents=True)
    path.write_bytes(header + table + data)


@pytest.mark.parametrize(
    "source, message",
    [
        ("No answers here", "Question %(number)s: no answer block {...}."),
        ("Empty {}", "Question %(number)s: no answers."),
        ("Match {=a -> 1 =b -> 2}", "Question %(number)s: matching questions are not supported."),
        ("Nothing right {~a ~b}", "Question %(number)s: no right answer."),
        ("Not a number {#abc}", "Question %(number)s: %(text)s is not a number."),
        ("Backwards {#5..1}", "Question %(number)s: the range ends below its start."),
        ("Huge {#1e999999..9e999999}", "Question %(number)s: the range %(range)s is too large."),
        ("No credit {#=%50%1 =%50%2}", "Question %(number)s: no numeric answer with full credit."),
        ("{=a}", "Question %(number)s: no question text."),
        ("Stray {junk =a}", "Question %(number)s: text before the first answer."),
        ("Two {=a} blocks {=b}", "Question %(number)s: more than one answer block."),
    ],
)
def test_unreadable_questions_are_explained_in_the_users_language(
    tmp_path, settings, source, message
):
    """Why a GIFT file cannot be read is shown in the language the page is in."""
    write_catalog(tmp_path / "fr" / "LC_MESSAGES" / "django.mo", {message: "FR " + message})
    settings.LOCALE_PATHS = [tmp_path]
    settings.LANGUAGES = [("en", "English"), ("fr", "French")]
    with translation.override("fr"), pytest.raises(GiftError) as error:
        gift.parse("Fine {T}\n\n" + source)
    assert str(error.value).startswith("FR Question 2:")


ROUND_TRIP = [
    GiftQuestion(
        kind="single",
        title="Title: with {specials}",
        text="Line one\n\nLine two with = ~ # { } : \\ and `code`",
        general_feedback="Because.\nReally.",
        choices=[GiftChoice("Right = yes", True, "Good # job"), GiftChoice("Wrong", False, "")],
    ),
    GiftQuestion(
        kind="multiple",
        text="All that apply",
        choices=[GiftChoice(t, t in "ab", "") for t in "abc"],
        partial_credit=True,
    ),
    GiftQuestion(
        kind="multiple",
        text="All or nothing",
        choices=[GiftChoice(t, t in "abc", "") for t in "abcd"],
        partial_credit=False,
    ),
    GiftQuestion(kind="true_false", text="True?", true_false_answer=True),
    GiftQuestion(kind="true_false", text="False?", true_false_answer=False, general_feedback="x"),
    GiftQuestion(kind="short_answer", text="Name", accepted_answers=["Ada", "Ada Lovelace"]),
    GiftQuestion(
        kind="numeric",
        text="Pi",
        numeric_value=Decimal("3.14159"),
        numeric_tolerance=Decimal("0.001"),
    ),
    GiftQuestion(kind="numeric", text="Exact", numeric_value=Decimal("-42")),
]


def test_dump_then_parse_gives_the_same_questions():
    assert gift.parse(gift.dump(ROUND_TRIP)) == ROUND_TRIP


def test_parse_then_dump_then_parse_is_stable():
    once = gift.parse(MOODLE_SAMPLE)
    assert gift.parse(gift.dump(once)) == once


def test_dump_writes_weights_moodle_accepts():
    text = gift.dump([ROUND_TRIP[2]])
    assert "~%33.33333%a" in text and "~%-100%d" in text
    text = gift.dump([ROUND_TRIP[1]])
    assert "~%50%a" in text and "~%-50%c" in text


def test_dump_of_nothing_is_empty():
    assert gift.dump([]) == "" and gift.parse("") == []


# --- Through the models -------------------------------------------------------------------


def _as_data(quiz):
    rows = []
    for q in quiz.questions.order_by("order", "id"):
        rows.append(
            (
                q.kind, q.title, q.text, q.explanation, q.partial_credit, q.true_false_answer,
                q.accepted_answers, q.numeric_value, q.numeric_tolerance,
                [(c.text, c.is_correct, c.explanation) for c in q.choices.all()],
            )
        )  # fmt: skip
    return rows


@pytest.mark.django_db
def test_a_quiz_exported_and_imported_into_another_has_the_same_questions(instructor, quiz):
    q = single(quiz, "Capital? {tricky}", order=0)
    q.explanation, q.title = "Because #1", "Cap"
    q.save()
    multiple(quiz, correct=(0, 2), count=4, partial_credit=True, order=1)
    multiple(quiz, correct=(1,), count=3, order=2)
    true_false(quiz, answer=False, order=3)
    short_answer(quiz, "Ada", "Ada  Lovelace", order=4)
    numeric(quiz, "2.5", "0.25", order=5)
    other = make_quiz(LectureFactory(module=quiz.lecture.module, order=9, kind="quiz"))

    created = quiz_gift_import(actor=instructor, quiz=other, source=quiz_gift_export(quiz=quiz))

    assert len(created) == 6
    assert _as_data(other) == _as_data(quiz)


@pytest.mark.django_db
def test_import_appends_after_the_existing_questions(instructor, quiz):
    single(quiz, order=4)
    quiz_gift_import(actor=instructor, quiz=quiz, source="A {T}\n\nB {F}")
    assert list(quiz.questions.values_list("order", "text")) == [
        (4, "Pick one"),
        (5, "A"),
        (6, "B"),
    ]


@pytest.mark.django_db
def test_a_bad_file_imports_nothing_and_says_why(instructor, quiz):
    with pytest.raises(ValidationError, match="Question 2"):
        quiz_gift_import(actor=instructor, quiz=quiz, source="Fine {T}\n\nBroken {~a ~b}")
    with pytest.raises(ValidationError, match="no questions"):
        quiz_gift_import(actor=instructor, quiz=quiz, source="// only a comment\n")
    long_title = "::" + "t" * 300 + "::Text {T}"
    with pytest.raises(ValidationError, match="Question 1"):
        quiz_gift_import(actor=instructor, quiz=quiz, source=long_title)
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_only_course_managers_import(quiz):
    with pytest.raises(PermissionDenied):
        quiz_gift_import(actor=StudentFactory(), quiz=quiz, source="A {T}")
    assert not Question.objects.exists()

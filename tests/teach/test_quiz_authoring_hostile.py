"""Hostile input to the quiz editor: a clear 4xx or a form error, never a 500 or half a write;
and the services' own rules, which hold without the forms."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment import authoring
from assessment.authoring import ChoiceData, QuestionFields
from assessment.models import Choice, Question, Quiz
from courses.models import Lecture
from tests.assessment.conftest import single
from tests.factories import CourseFactory, LectureFactory, ModuleFactory

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.fixture
def lecture(instructor):
    module = ModuleFactory(course=CourseFactory(instructors=[instructor]))
    return LectureFactory(module=module, kind=Lecture.Kind.QUIZ, body="")


@pytest.fixture
def quiz(lecture):
    quiz = Quiz.objects.create(lecture=lecture)
    single(quiz, "A", order=0)
    return quiz


def at(lecture, name, *args):
    return reverse(f"teach:{name}", args=[lecture.module.course.slug, lecture.pk, *args])


def state():
    return (
        list(Quiz.objects.values()),
        list(Question.objects.values()),
        list(Choice.objects.values()),
    )


def test_bad_ids_are_404s(teacher, lecture, quiz):
    slug = lecture.module.course.slug
    for path in (
        f"/teach/{slug}/lectures/{HUGE}/quiz/",
        f"/teach/{slug}/lectures/0/quiz/export/",
        f"/teach/{slug}/lectures/{lecture.pk}/quiz/questions/{HUGE}/edit/",
        f"/teach/{slug}/lectures/{lecture.pk}/quiz/questions/0/delete/",
    ):
        assert teacher.get(path).status_code == 404, path
    path = f"/teach/{slug}/lectures/{lecture.pk}/quiz/questions/{HUGE}/move/"
    assert teacher.post(path, {"direction": "up"}).status_code == 404


@pytest.mark.parametrize("query", ["", "?kind=", "?kind=essay", "?kind=single&kind=numeric"])
def test_an_unknown_question_kind_is_a_404(teacher, lecture, quiz, query):
    before = state()
    url = at(lecture, "question_create") + query
    if query.endswith("numeric"):  # the last value counts, as for any repeated field
        assert teacher.get(url).status_code == 200
        return
    assert teacher.get(url).status_code == 404
    assert teacher.post(url, {"text": "Q", "points": "1"}).status_code == 404
    assert state() == before


@pytest.mark.parametrize(
    "management",
    [
        {},  # missing
        {"choices-TOTAL_FORMS": "abc", "choices-INITIAL_FORMS": "0"},
        {"choices-TOTAL_FORMS": "100000", "choices-INITIAL_FORMS": "0"},
        {"choices-TOTAL_FORMS": "-5", "choices-INITIAL_FORMS": "0"},
    ],
)
def test_a_tampered_choice_formset_is_a_form_error(teacher, lecture, quiz, management):
    before = state()
    data = {
        "text": "Q",
        "points": "1",
        "choices-0-text": "A",
        "choices-0-is_correct": "on",
        "choices-1-text": "B",
        **management,
    }
    response = teacher.post(at(lecture, "question_create") + "?kind=single", data)
    assert response.status_code in (200, 400)
    assert state() == before


def test_a_forged_initial_row_count_still_writes_only_what_was_sent(teacher, lecture, quiz):
    data = {
        "text": "Q",
        "points": "1",
        "choices-TOTAL_FORMS": "2",
        "choices-INITIAL_FORMS": HUGE,
        "choices-0-text": "A",
        "choices-0-is_correct": "on",
        "choices-1-text": "B",
    }
    response = teacher.post(at(lecture, "question_create") + "?kind=single", data)
    assert response.status_code == 302
    question = quiz.questions.get(text="Q")
    assert list(question.choices.values_list("text", "is_correct")) == [("A", True), ("B", False)]
    assert Choice.objects.count() == 3 + 2  # the fixture's question's, and these


@pytest.mark.parametrize("choice_id", ["abc", "-1", HUGE, "1.5"])
def test_bad_choice_ids_are_form_errors(teacher, lecture, quiz, choice_id):
    question = quiz.questions.get()
    before = state()
    data = {
        "text": "Q",
        "points": "1",
        "choices-TOTAL_FORMS": "2",
        "choices-INITIAL_FORMS": "2",
        "choices-0-id": choice_id,
        "choices-0-text": "A",
        "choices-0-is_correct": "on",
        "choices-1-text": "B",
    }
    response = teacher.post(at(lecture, "question_edit", question.pk), data)
    assert response.status_code == 400
    assert state() == before


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("true_false", {"points": HUGE, "true_false_answer": "true"}),
        ("true_false", {"points": "-3", "true_false_answer": "true"}),
        ("numeric", {"numeric_value": "NaN"}),
        ("numeric", {"numeric_value": "Infinity"}),
        ("numeric", {"numeric_value": "1e999999999"}),
        ("numeric", {"numeric_value": "1", "numeric_tolerance": HUGE}),
        ("short_answer", {"accepted_answers": "x" * 20_000}),
        ("true_false", {"text": "x" * 20_000, "true_false_answer": "true"}),
        ("single", {"choices-TOTAL_FORMS": "1", "choices-INITIAL_FORMS": "0"}),
    ],
)
def test_huge_and_odd_values_are_form_errors(teacher, lecture, quiz, kind, data):
    before = state()
    response = teacher.post(
        at(lecture, "question_create") + f"?kind={kind}", {"text": "Q", "points": "1", **data}
    )
    assert response.status_code == 400
    assert state() == before


@pytest.mark.parametrize(
    "data",
    [
        {"pass_mark": HUGE, "feedback": "never"},
        {"pass_mark": "50", "attempts_allowed": HUGE, "feedback": "never"},
        {"pass_mark": "50", "time_limit_minutes": HUGE, "feedback": "never"},
        {"pass_mark": "50", "draw_count": "-1", "feedback": "never"},
        {"pass_mark": "1e3", "feedback": "never"},
        {},
    ],
)
def test_huge_settings_are_form_errors(teacher, lecture, quiz, data):
    before = state()
    assert teacher.post(at(lecture, "quiz_edit"), data).status_code == 400
    assert state() == before


@pytest.mark.parametrize(
    ("source", "message"),
    [
        # A range too large for decimal arithmetic (it raised decimal.Overflow once).
        ("Q{#1e999999999..2e999999999}", "is too large"),
        ("Q{#1e999999999:1}", "Question 1:"),  # read, but no question can hold it
        ("Q{#1:1e1000000}", "Question 1:"),  # its tolerance too (abs() overflowed once)
        ("Q{#1..}", "is not a number"),
        ("{", "no answer block"),
        ("}{", "no answer block"),
        ("Q{=a {=b}}", "more than one answer block"),
        ("::" + "t" * 300 + "::Q{T}", "at most 200 characters"),
        ("\x00\x01\x02{T}", "NUL byte"),  # refused before any view
    ],
)
def test_bad_gift_is_a_form_error(teacher, lecture, quiz, source, message):
    before = state()
    response = teacher.post(at(lecture, "quiz_import"), {"text": source})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before


def test_an_uploaded_file_with_null_characters_is_refused(teacher, lecture, quiz):
    before = state()
    upload = SimpleUploadedFile("bank.txt", b"Q\x00?{T}")
    response = teacher.post(at(lecture, "quiz_import"), {"file": upload})
    assert response.status_code == 400
    assert "not a text file" in response.content.decode()
    assert state() == before


def test_a_binary_upload_is_a_form_error(teacher, lecture, quiz):
    before = state()
    junk = SimpleUploadedFile("bank.gift", bytes(range(256)) * 10)
    response = teacher.post(at(lecture, "quiz_import"), {"file": junk})
    assert response.status_code == 400
    assert "not UTF-8 text" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize(
    "ids",
    [[str(i) for i in range(2000)], ["abc"], [HUGE], []],
)
def test_bad_reorders_are_400s(teacher, lecture, quiz, ids):
    before = state()
    assert teacher.post(at(lecture, "question_reorder"), {"question": ids}).status_code == 400
    assert state() == before


def test_reorder_of_a_lecture_without_a_quiz_is_a_404(teacher, instructor):
    module = ModuleFactory(course=CourseFactory(instructors=[instructor]))
    bare = LectureFactory(module=module, kind=Lecture.Kind.QUIZ)
    assert teacher.post(at(bare, "question_reorder"), {"question": ["1"]}).status_code == 404


def test_a_missing_move_direction_is_a_400(teacher, lecture, quiz):
    question = quiz.questions.get()
    assert teacher.post(at(lecture, "question_move", question.pk), {}).status_code == 400


def test_wrong_methods_are_405s(teacher, lecture, quiz):
    question = quiz.questions.get()
    assert teacher.get(at(lecture, "question_move", question.pk)).status_code == 405
    assert teacher.get(at(lecture, "question_reorder")).status_code == 405
    assert teacher.post(at(lecture, "quiz_export")).status_code == 405


# -- the services' own rules (the forms check them too, but callers are not only forms) ----------


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        ("single", [ChoiceData("A", True), ChoiceData("B", True)], "exactly one"),
        ("single", [ChoiceData("A"), ChoiceData("B")], "exactly one"),
        ("multiple", [ChoiceData("A"), ChoiceData("B")], "at least one"),
        ("single", [ChoiceData("A", True)], "at least two"),
        ("multiple", [ChoiceData("A", True), ChoiceData("  ")], "needs a text"),
        ("single", [ChoiceData(str(i), i == 0) for i in range(21)], "at most 20"),
    ],
)
def test_the_service_checks_choices(instructor, quiz, kind, choices, message):
    before = state()
    with pytest.raises(ValidationError) as raised:
        authoring.question_create(
            actor=instructor, quiz=quiz, kind=kind, fields=QuestionFields("Q", choices=choices)
        )
    assert message in str(raised.value)
    assert state() == before


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("essay", {}),
        ("true_false", {}),
        ("numeric", {}),
        ("short_answer", {"accepted_answers": ["  "]}),
        ("numeric", {"numeric_value": Decimal("1"), "numeric_tolerance": Decimal("-1")}),
        ("true_false", {"true_false_answer": True, "points": 0}),
    ],
)
def test_the_service_checks_each_kind(instructor, quiz, kind, fields):
    before = state()
    with pytest.raises(ValidationError):
        authoring.question_create(
            actor=instructor, quiz=quiz, kind=kind, fields=QuestionFields("Q", **fields)
        )
    assert state() == before


def test_the_service_clears_the_fields_of_other_kinds(instructor, quiz):
    question = authoring.question_create(
        actor=instructor,
        quiz=quiz,
        kind="true_false",
        fields=QuestionFields(
            "Q",
            true_false_answer=True,
            accepted_answers=["stray"],
            numeric_value=Decimal(5),
            partial_credit=True,
            choices=[ChoiceData("stray", True), ChoiceData("stray too")],
        ),
    )
    question.refresh_from_db()
    assert question.accepted_answers == [] and question.numeric_value is None
    assert not question.partial_credit
    assert not question.choices.exists()


def test_a_quiz_is_only_made_for_a_quiz_lecture(instructor, lecture):
    text = LectureFactory(module=lecture.module, kind=Lecture.Kind.TEXT)
    with pytest.raises(ValidationError):
        authoring.quiz_ensure(actor=instructor, lecture=text)
    assert not Quiz.objects.filter(lecture=text).exists()


def test_a_bad_direction_is_refused_by_the_service(instructor, quiz):
    with pytest.raises(ValidationError):
        authoring.question_move(actor=instructor, question=quiz.questions.get(), direction="left")

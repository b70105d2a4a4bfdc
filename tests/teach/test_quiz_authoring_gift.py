"""GIFT import and export from the quiz editor: upload or paste, all or nothing, round trip."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import Question, Quiz
from courses.models import Lecture
from tests.assessment.conftest import multiple, numeric, short_answer, single, true_false
from tests.factories import CourseFactory, LectureFactory, ModuleFactory

pytestmark = pytest.mark.django_db

BANK = """// A small bank
::Planets::Which planet is red?{
\t=Mars#Iron oxide
\t~Venus#Too hot
\t####The fourth planet.
}

The Earth is flat.{FALSE}

Capital of France?{=Paris =Lutetia}

Pi to two places?{#3.14:0.005}

::Primes::Pick the primes{
\t~%50%2
\t~%50%3
\t~%-50%4
}
"""


@pytest.fixture
def lecture(instructor):
    module = ModuleFactory(course=CourseFactory(instructors=[instructor]))
    return LectureFactory(module=module, title="Planets & Pi", kind=Lecture.Kind.QUIZ, body="")


@pytest.fixture
def quiz(lecture):
    return Quiz.objects.create(lecture=lecture)


def url(name, lecture):
    return reverse(f"teach:{name}", args=[lecture.module.course.slug, lecture.pk])


def upload(text, name="bank.gift", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/plain")


def kinds(quiz):
    return list(quiz.questions.order_by("order").values_list("kind", flat=True))


def test_import_an_uploaded_file(teacher, quiz, lecture):
    single(quiz, "Already there", order=0)
    response = teacher.post(url("quiz_import", lecture), {"file": upload(BANK)})
    assert response.status_code == 302
    assert kinds(quiz) == ["single", "single", "true_false", "short_answer", "numeric", "multiple"]
    assert list(quiz.questions.order_by("order").values_list("order", flat=True)) == [
        0,
        1,
        2,
        3,
        4,
        5,
    ]
    red = quiz.questions.get(title="Planets")
    assert red.explanation == "The fourth planet."
    assert list(red.choices.values_list("text", "is_correct", "explanation")) == [
        ("Mars", True, "Iron oxide"),
        ("Venus", False, "Too hot"),
    ]
    assert quiz.questions.get(title="Primes").partial_credit
    page = teacher.get(response["Location"]).content.decode()
    assert "5 questions imported." in page


def test_import_pasted_text(teacher, quiz, lecture):
    response = teacher.post(url("quiz_import", lecture), {"text": "Two plus two?{#4}"})
    assert response.status_code == 302
    assert quiz.questions.get().numeric_value == Decimal(4)


def test_an_upload_with_a_byte_order_mark_is_read(teacher, quiz, lecture):
    response = teacher.post(
        url("quiz_import", lecture), {"file": upload("Sky is blue.{T}", encoding="utf-8-sig")}
    )
    assert response.status_code == 302
    assert quiz.questions.get().text == "Sky is blue."


def test_a_bad_file_imports_nothing_and_says_why(teacher, quiz, lecture):
    single(quiz, "Already there")
    source = BANK + "\n\nMatch these.{=a -> 1 =b -> 2}\n"
    response = teacher.post(url("quiz_import", lecture), {"text": source})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Question 6: matching questions are not supported." in html
    assert list(quiz.questions.values_list("text", flat=True)) == ["Already there"]
    # The pasted text is still in the form, to fix and send again.
    assert "Match these." in html


def test_a_question_the_quiz_cannot_hold_imports_nothing(teacher, quiz, lecture):
    source = "Fine?{T}\n\n::" + "t" * 201 + "::Too long a title?{T}\n"
    response = teacher.post(url("quiz_import", lecture), {"text": source})
    assert response.status_code == 400
    assert "Question 2:" in response.content.decode()
    assert not quiz.questions.exists()


def _choices(count):
    return "\n".join(["=right"] + [f"~wrong {i}" for i in range(count - 1)])


def test_a_question_with_more_choices_than_the_editor_allows_imports_nothing(
    teacher, quiz, lecture
):
    """An import refuses a question of 21 choices, as the editor does, and names the question."""
    source = f"Fine?{{T}}\n\nPick one{{\n{_choices(21)}\n}}\n"
    response = teacher.post(url("quiz_import", lecture), {"text": source})
    assert response.status_code == 400
    assert "Question 2: Give at most 20 choices." in response.content.decode()
    assert not quiz.questions.exists()
    response = teacher.post(url("quiz_import", lecture), {"text": f"Pick one{{{_choices(20)}}}"})
    assert response.status_code == 302
    assert quiz.questions.get().choices.count() == 20


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Upload a GIFT file or paste GIFT text."),
        ({"text": "   "}, "Upload a GIFT file or paste GIFT text."),
        ({"text": "Q{T}", "file": upload("Q{T}")}, "Upload a file or paste text, not both."),
        ({"file": upload("Q{T}", name="bank.docx")}, "Choose a .txt or .gift file."),
        ({"file": upload("Q{T}", name="bank.txt", encoding="utf-16")}, "not UTF-8 text"),
        ({"file": upload("Q{T}\n" * 200_000)}, "The file is too large"),
        ({"text": "// only a comment\n"}, "The file holds no questions."),
        ({"text": "No answers here"}, "no answer block"),
    ],
)
def test_import_form_validation(teacher, quiz, lecture, data, message):
    response = teacher.post(url("quiz_import", lecture), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not quiz.questions.exists()


def test_import_is_a_post(teacher, quiz, lecture):
    assert teacher.get(url("quiz_import", lecture)).status_code == 405


def test_export_downloads_a_gift_file(teacher, quiz, lecture):
    single(quiz, "Which planet is red?")
    response = teacher.get(url("quiz_export", lecture))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="planets-pi.gift.txt"'
    assert "Which planet is red?{" in response.content.decode()


def test_export_names_a_title_without_letters_by_its_id(teacher, instructor):
    module = ModuleFactory(course=CourseFactory(instructors=[instructor]))
    lecture = LectureFactory(module=module, title="日本語", kind=Lecture.Kind.QUIZ)
    response = teacher.get(url("quiz_export", lecture))
    assert response["Content-Disposition"] == (f'attachment; filename="quiz-{lecture.pk}.gift.txt"')
    assert response.content == b""  # no quiz yet: an empty bank


def test_the_editor_links_to_export(teacher, quiz, lecture):
    assert url("quiz_export", lecture) in teacher.get(url("quiz_edit", lecture)).content.decode()


def pool(quiz):
    rows = []
    for q in quiz.questions.order_by("order").prefetch_related("choices"):
        rows.append(
            (
                q.kind,
                q.title,
                q.text,
                q.explanation,
                q.partial_credit,
                q.true_false_answer,
                q.accepted_answers,
                q.numeric_value,
                q.numeric_tolerance,
                [(c.text, c.is_correct, c.explanation) for c in q.choices.all()],
            )
        )
    return rows


def test_round_trip_through_the_pages(teacher, instructor, quiz, lecture):
    first = single(quiz, "Odd: {braces} = ~tilde # hash", order=0)
    first.title, first.explanation = "Escapes", "Line one\nline two"
    first.save()
    multiple(quiz, order=1, partial_credit=True)
    multiple(quiz, order=2, correct=(3,))
    true_false(quiz, False, order=3)
    short_answer(quiz, "Paris", "Lutetia", order=4)
    numeric(quiz, "2.5", "0.25", order=5)
    exported = teacher.get(url("quiz_export", lecture)).content.decode()

    other = LectureFactory(module=lecture.module, kind=Lecture.Kind.QUIZ, title="Copy")
    response = teacher.post(
        url("quiz_import", other), {"file": upload(exported, name="copy.gift.txt")}
    )
    assert response.status_code == 302
    copy = Quiz.objects.get(lecture=other)
    assert pool(copy) == pool(quiz)
    assert teacher.get(url("quiz_export", other)).content.decode() == exported
    assert Question.objects.filter(quiz=copy).count() == 6

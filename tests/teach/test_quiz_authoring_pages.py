"""The quiz editor in the workspace: settings, questions of every kind, reorder, delete."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import Choice, Question, Quiz
from courses.models import Lecture
from tests.assessment.conftest import multiple, numeric, short_answer, single, true_false
from tests.factories import CourseFactory, LectureFactory, ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture(instructor):
    module = ModuleFactory(course=CourseFactory(instructors=[instructor]))
    LectureFactory(module=module, order=0, title="Intro")
    return LectureFactory(module=module, order=1, title="Check", kind=Lecture.Kind.QUIZ, body="")


@pytest.fixture
def quiz(lecture):
    return Quiz.objects.create(lecture=lecture)


def url(name, lecture, *args):
    return reverse(f"teach:{name}", args=[lecture.module.course.slug, lecture.pk, *args])


def pool(quiz):
    return list(quiz.questions.order_by("order").values_list("text", flat=True))


def orders(quiz):
    return list(quiz.questions.order_by("order").values_list("order", flat=True))


# -- reaching the editor -------------------------------------------------------------------------


def test_the_outline_links_quiz_lectures_to_their_editor(teacher, lecture):
    html = teacher.get(reverse("teach:workspace", args=[lecture.module.course.slug])).content
    html = html.decode()
    assert url("quiz_edit", lecture) in html
    text = lecture.module.lectures.get(order=0)
    # Only quiz lectures have one.
    assert f"/lectures/{text.pk}/quiz/" not in html


def test_the_lecture_form_links_to_the_editor(teacher, lecture):
    html = teacher.get(url("lecture_edit", lecture)).content.decode()
    assert url("quiz_edit", lecture) in html


def test_a_lecture_of_another_kind_has_no_editor(teacher, lecture):
    text = lecture.module.lectures.get(order=0)
    assert teacher.get(url("quiz_edit", text)).status_code == 404
    assert teacher.get(url("quiz_export", text)).status_code == 404


def test_the_editor_lists_the_questions(teacher, quiz, lecture):
    single(quiz, "Which planet is red?", order=0, points=3)
    numeric(quiz, "3.5", order=1)
    response = teacher.get(url("quiz_edit", lecture))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Which planet is red?" in html
    assert "Single choice" in html and "Numeric" in html
    assert "3 points" in html and "3 choices" in html
    assert "2 questions" in html and "4 points" in html
    # The answers are on the question form, not in the list.
    assert "choice 1" not in html


def test_a_published_quiz_without_questions_is_flagged(teacher, quiz, lecture):
    warning = "students cannot pass it"
    assert warning in teacher.get(url("quiz_edit", lecture)).content.decode()
    single(quiz)
    assert warning not in teacher.get(url("quiz_edit", lecture)).content.decode()


def test_editor_query_budget(teacher, quiz, lecture, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        assert teacher.get(url("quiz_edit", lecture)).status_code == 200
    for order in range(30):
        multiple(quiz, order=order)
    with django_assert_max_num_queries(7):
        response = teacher.get(url("quiz_edit", lecture))
    assert response.content.decode().count('class="qz-question"') == 30


# -- settings --------------------------------------------------------------------------------


SETTINGS = {
    "pass_mark": "80",
    "attempts_allowed": "3",
    "time_limit_minutes": "15",
    "shuffle_questions": "on",
    "draw_count": "5",
    "feedback": "after_passing",
}


def test_settings_are_saved(teacher, quiz, lecture):
    response = teacher.post(url("quiz_edit", lecture), SETTINGS)
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert quiz.pass_mark == 80
    assert quiz.attempts_allowed == 3
    assert quiz.time_limit_seconds == 15 * 60
    assert (quiz.shuffle_questions, quiz.shuffle_choices) == (True, False)
    assert quiz.draw_count == 5
    assert quiz.feedback == Quiz.Feedback.AFTER_PASSING


def test_empty_optional_settings_mean_unlimited(teacher, lecture):
    Quiz.objects.create(lecture=lecture, attempts_allowed=2, time_limit_seconds=60, draw_count=3)
    data = {
        "pass_mark": "50",
        "attempts_allowed": "",
        "time_limit_minutes": "",
        "feedback": "never",
    }
    assert teacher.post(url("quiz_edit", lecture), data).status_code == 302
    quiz = Quiz.objects.get(lecture=lecture)
    assert (quiz.attempts_allowed, quiz.time_limit_seconds, quiz.draw_count) == (None, None, None)


def test_a_limit_in_seconds_is_kept_when_the_minutes_are_not_changed(teacher, lecture):
    quiz = Quiz.objects.create(lecture=lecture, time_limit_seconds=90)
    page = teacher.get(url("quiz_edit", lecture)).content.decode()
    assert 'name="time_limit_minutes" value="2"' in page  # rounded up for display
    teacher.post(url("quiz_edit", lecture), {**SETTINGS, "time_limit_minutes": "2"})
    quiz.refresh_from_db()
    assert quiz.time_limit_seconds == 90
    teacher.post(url("quiz_edit", lecture), {**SETTINGS, "time_limit_minutes": "3"})
    quiz.refresh_from_db()
    assert quiz.time_limit_seconds == 180


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pass_mark", "101", "less than or equal to 100"),
        ("pass_mark", "-1", "greater than or equal to 0"),
        ("pass_mark", "", "This field is required"),
        ("attempts_allowed", "0", "greater than or equal to 1"),
        ("time_limit_minutes", "0", "greater than or equal to 1"),
        ("time_limit_minutes", "1441", "less than or equal to 1440"),
        ("draw_count", "0", "greater than or equal to 1"),
        ("draw_count", "99999999999999999999", "less than or equal to 1000"),
        ("feedback", "sometimes", "Select a valid choice"),
        ("pass_mark", "seventy", "Enter a whole number"),
    ],
)
def test_settings_validation(teacher, quiz, lecture, field, value, message):
    before = Quiz.objects.filter(pk=quiz.pk).values().get()
    response = teacher.post(url("quiz_edit", lecture), {**SETTINGS, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Quiz.objects.filter(pk=quiz.pk).values().get() == before


# -- adding questions, one test per kind ---------------------------------------------------------


def choice_rows(*rows, initial=0, prefix="choices"):
    """Formset POST data: rows of (text, correct[, explanation[, id]])."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(rows):
        text, correct, *rest = row
        data[f"{prefix}-{index}-text"] = text
        if correct:
            data[f"{prefix}-{index}-is_correct"] = "on"
        if rest:
            data[f"{prefix}-{index}-explanation"] = rest[0]
        if len(rest) > 1:
            data[f"{prefix}-{index}-id"] = str(rest[1])
    return data


def add(teacher, lecture, kind, data):
    return teacher.post(f"{url('question_create', lecture)}?kind={kind}", data)


def test_the_add_picker_opens_the_form_of_that_kind(teacher, quiz, lecture):
    html = teacher.get(url("quiz_edit", lecture)).content.decode()
    assert f'action="{url("question_create", lecture)}"' in html
    html = teacher.get(f"{url('question_create', lecture)}?kind=numeric").content.decode()
    assert 'name="numeric_value"' in html and 'name="choices-TOTAL_FORMS"' not in html
    html = teacher.get(f"{url('question_create', lecture)}?kind=single").content.decode()
    assert 'name="choices-TOTAL_FORMS" value="4"' in html
    assert 'name="numeric_value"' not in html


def test_add_a_single_choice_question(teacher, quiz, lecture):
    data = {
        "text": "Which planet is red?",
        "points": "2",
        "explanation": "**Iron** oxide.",
        **choice_rows(("Mars", True, "Rusty"), ("Venus", False), ("", False)),
    }
    response = add(teacher, lecture, "single", data)
    question = quiz.questions.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#question-{question.pk}")
    assert (question.kind, question.points, question.explanation) == (
        "single",
        2,
        "**Iron** oxide.",
    )
    choices = list(question.choices.values_list("order", "text", "is_correct", "explanation"))
    assert choices == [(0, "Mars", True, "Rusty"), (1, "Venus", False, "")]


def test_add_a_multiple_choice_question_with_partial_credit(teacher, quiz, lecture):
    data = {
        "text": "Pick the primes",
        "points": "1",
        "partial_credit": "on",
        **choice_rows(("2", True), ("3", True), ("4", False)),
    }
    assert add(teacher, lecture, "multiple", data).status_code == 302
    question = quiz.questions.get()
    assert question.partial_credit
    assert list(question.choices.filter(is_correct=True).values_list("text", flat=True)) == [
        "2",
        "3",
    ]


def test_add_a_true_false_question(teacher, quiz, lecture):
    data = {"text": "The sky is green.", "points": "1", "true_false_answer": "false"}
    assert add(teacher, lecture, "true_false", data).status_code == 302
    question = quiz.questions.get()
    assert question.true_false_answer is False
    assert not question.choices.exists()


def test_add_a_short_answer_question(teacher, quiz, lecture):
    data = {
        "text": "Capital of France?",
        "points": "1",
        "accepted_answers": " Paris \n\nparis\nLutetia\n",
    }
    assert add(teacher, lecture, "short_answer", data).status_code == 302
    assert quiz.questions.get().accepted_answers == ["Paris", "paris", "Lutetia"]


def test_add_a_numeric_question(teacher, quiz, lecture):
    data = {"text": "Pi?", "points": "1", "numeric_value": "3.14", "numeric_tolerance": "0.01"}
    assert add(teacher, lecture, "numeric", data).status_code == 302
    question = quiz.questions.get()
    assert (question.numeric_value, question.numeric_tolerance) == (
        Decimal("3.14"),
        Decimal("0.01"),
    )


def test_new_questions_go_last(teacher, quiz, lecture):
    single(quiz, "First", order=0)
    add(
        teacher,
        lecture,
        "true_false",
        {"text": "Second", "points": "1", "true_false_answer": "true"},
    )
    assert pool(quiz) == ["First", "Second"]
    assert orders(quiz) == [0, 1]


# -- question form validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("single", choice_rows(("A", True), ("B", True)), "exactly one choice as correct"),
        ("single", choice_rows(("A", False), ("B", False)), "exactly one choice as correct"),
        ("single", choice_rows(("A", True), ("", False)), "at least two choices"),
        ("multiple", choice_rows(("A", False), ("B", False)), "at least one choice as correct"),
        ("multiple", choice_rows(("A", True)), "at least two choices"),
        ("true_false", {}, "This field is required"),
        ("true_false", {"true_false_answer": "maybe"}, "Select a valid choice"),
        ("short_answer", {"accepted_answers": "  \n \n"}, "This field is required"),
        (
            "short_answer",
            {"accepted_answers": "\n".join(f"a{i}" for i in range(51))},
            "at most 50 accepted answers",
        ),
        ("numeric", {"numeric_value": ""}, "This field is required"),
        ("numeric", {"numeric_value": "abc"}, "Enter a number"),
        ("numeric", {"numeric_value": "1", "numeric_tolerance": "-1"}, "greater than or equal"),
        ("numeric", {"numeric_value": "1e40"}, "no more than 24 digits"),
    ],
)
def test_question_validation_per_kind(teacher, quiz, lecture, kind, data, message):
    response = add(teacher, lecture, kind, {"text": "Q", "points": "1", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not quiz.questions.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "This field is required"),
        ({"points": "0"}, "greater than or equal to 1"),
        ({"points": "1001"}, "less than or equal to 1000"),
        ({"title": "x" * 201}, "at most 200 characters"),
    ],
)
def test_common_question_fields_are_validated(teacher, quiz, lecture, data, message):
    base = {"text": "Q", "points": "1", "true_false_answer": "true"}
    response = add(teacher, lecture, "true_false", {**base, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not quiz.questions.exists()


def test_a_choice_row_without_text_but_marked_correct_is_an_error(teacher, quiz, lecture):
    data = {"text": "Q", "points": "1", **choice_rows(("A", False), ("B", False), ("", True))}
    response = add(teacher, lecture, "single", data)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_more_choice_rows_keep_what_was_typed_and_save_nothing(teacher, quiz, lecture):
    data = {
        "text": "Typed so far",
        "points": "4",
        "more_choices": "1",
        **choice_rows(("Kept", True, "Why"), ("", False), ("Dropped", False)),
    }
    data["choices-2-DELETE"] = "on"
    response = add(teacher, lecture, "single", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert not quiz.questions.exists()
    assert "Typed so far" in html and "Kept" in html and "Why" in html
    assert "Dropped" not in html
    assert 'name="choices-TOTAL_FORMS" value="3"' in html  # one kept row, two new
    assert "errorlist" not in html


# -- editing -------------------------------------------------------------------------------------


def test_edit_a_question_keeps_choice_ids_and_removes_rows(teacher, quiz, lecture):
    question = single(quiz, "Old text", count=3, correct=0)
    first, second, third = question.choices.order_by("order")
    form = teacher.get(url("question_edit", lecture, question.pk)).content.decode()
    assert "Old text" in form and f'value="{first.pk}"' in form
    data = {
        "text": "New text",
        "points": "5",
        **choice_rows(
            ("First, renamed", False, "", first.pk),
            ("Second", True, "Now right", second.pk),
            ("Third", False, "", third.pk),
            ("A new one", False),
            initial=3,
        ),
    }
    data["choices-2-DELETE"] = "on"
    response = teacher.post(url("question_edit", lecture, question.pk), data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.text, question.points) == ("New text", 5)
    rows = list(question.choices.values_list("pk", "order", "text", "is_correct", "explanation"))
    new = question.choices.get(text="A new one")
    assert rows == [
        (first.pk, 0, "First, renamed", False, ""),
        (second.pk, 1, "Second", True, "Now right"),
        (new.pk, 2, "A new one", False, ""),
    ]
    assert not Choice.objects.filter(pk=third.pk).exists()


def test_a_forged_choice_id_changes_nothing(teacher, quiz, lecture):
    question = single(quiz, count=2, correct=0)
    other = single(quiz, "Other", order=1, count=2)
    foreign = other.choices.first()
    own = question.choices.order_by("order").first()
    data = {
        "text": "Q",
        "points": "1",
        **choice_rows(("A", True, "", own.pk), ("Stolen", False, "", foreign.pk), initial=2),
    }
    response = teacher.post(url("question_edit", lecture, question.pk), data)
    assert response.status_code == 400
    assert "Reload the page" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.text != "Stolen" and foreign.question_id == other.pk


@pytest.mark.parametrize(
    ("make", "data", "check"),
    [
        (
            lambda quiz: true_false(quiz, True),
            {"true_false_answer": "false"},
            lambda q: q.true_false_answer is False,
        ),
        (
            lambda quiz: short_answer(quiz, "one"),
            {"accepted_answers": "two\nthree"},
            lambda q: q.accepted_answers == ["two", "three"],
        ),
        (
            lambda quiz: numeric(quiz, "1"),
            {"numeric_value": "2.5", "numeric_tolerance": "0"},
            lambda q: q.numeric_value == Decimal("2.5"),
        ),
    ],
)
def test_edit_questions_without_choices(teacher, quiz, lecture, make, data, check):
    question = make(quiz)
    response = teacher.post(
        url("question_edit", lecture, question.pk), {"text": "Edited", "points": "2", **data}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text == "Edited" and check(question)


def test_edit_validation_shows_errors_and_changes_nothing(teacher, quiz, lecture):
    question = multiple(quiz)
    choices = list(question.choices.order_by("order"))
    rows = [(c.text, False, "", c.pk) for c in choices]
    response = teacher.post(
        url("question_edit", lecture, question.pk),
        {"text": "Q", "points": "1", **choice_rows(*rows, initial=len(rows))},
    )
    assert response.status_code == 400
    assert "at least one choice as correct" in response.content.decode()
    assert question.choices.filter(is_correct=True).count() == 2


# -- delete --------------------------------------------------------------------------------------


def test_delete_asks_first_then_deletes_on_post(teacher, quiz, lecture):
    first = single(quiz, "First", order=0)
    second = single(quiz, "Second", order=1)
    third = single(quiz, "Third", order=2)
    page = teacher.get(url("question_delete", lecture, second.pk))
    assert page.status_code == 200
    assert "Delete this question?" in page.content.decode()
    assert quiz.questions.count() == 3  # the GET deleted nothing
    response = teacher.post(url("question_delete", lecture, second.pk))
    assert response.status_code == 302
    assert pool(quiz) == ["First", "Third"]
    assert orders(quiz) == [0, 1]
    assert not Choice.objects.filter(question_id=second.pk).exists()
    assert {first.pk, third.pk} == set(quiz.questions.values_list("pk", flat=True))


# -- reorder -------------------------------------------------------------------------------------


@pytest.fixture
def three(quiz):
    return [single(quiz, text, order=order) for order, text in enumerate(["A", "B", "C"])]


def test_move_buttons(teacher, quiz, lecture, three):
    a, b, c = three
    response = teacher.post(url("question_move", lecture, c.pk), {"direction": "up"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?moved={c.pk}-up#question-{c.pk}-up")
    assert pool(quiz) == ["A", "C", "B"]
    response = teacher.post(url("question_move", lecture, a.pk), {"direction": "up"})
    assert pool(quiz) == ["A", "C", "B"]  # already first
    # Its "Move up" is disabled: the page lands on its "Move down".
    assert response["Location"].endswith(f"?moved={a.pk}-down#question-{a.pk}-down")
    teacher.post(url("question_move", lecture, a.pk), {"direction": "down"})
    assert pool(quiz) == ["C", "A", "B"]
    assert orders(quiz) == [0, 1, 2]


def test_after_a_move_the_button_used_has_the_focus(teacher, quiz, lecture, three):
    a, b, c = three
    page = teacher.get(f"{url('quiz_edit', lecture)}?moved={b.pk}-up").content.decode()
    assert f'id="question-{b.pk}-up" class="icon-button" autofocus' in page
    # The first question cannot go up any more: its other button gets the focus.
    page = teacher.get(f"{url('quiz_edit', lecture)}?moved={a.pk}-up").content.decode()
    assert f'id="question-{a.pk}-down" class="icon-button" autofocus' in page


def test_a_bad_direction_is_a_400(teacher, quiz, lecture, three):
    response = teacher.post(url("question_move", lecture, three[0].pk), {"direction": "left"})
    assert response.status_code == 400
    assert pool(quiz) == ["A", "B", "C"]


def test_drag_and_drop_reorder(teacher, quiz, lecture, three):
    a, b, c = three
    response = teacher.post(url("question_reorder", lecture), {"question": [c.pk, a.pk, b.pk]})
    assert response.status_code == 302
    assert pool(quiz) == ["C", "A", "B"]
    # The script asks for the list alone, as saved.
    response = teacher.post(
        url("question_reorder", lecture),
        {"question": [a.pk, b.pk, c.pk]},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="question-list"' in html and "<html" not in html
    assert html.index(f'id="question-{a.pk}"') < html.index(f'id="question-{c.pk}"')


@pytest.mark.parametrize("order", ["missing", "twice", "foreign", "junk"])
def test_a_reorder_that_does_not_match_changes_nothing(teacher, quiz, lecture, three, order):
    a, b, c = three
    other = single(Quiz.objects.create(lecture=LectureFactory(kind=Lecture.Kind.QUIZ)))
    ids = {
        "missing": [a.pk, b.pk],
        "twice": [a.pk, a.pk, b.pk, c.pk],
        "foreign": [a.pk, b.pk, c.pk, other.pk],
        "junk": ["x", "1"],
    }[order]
    response = teacher.post(url("question_reorder", lecture), {"question": ids})
    assert response.status_code == 400
    assert pool(quiz) == ["A", "B", "C"]


def test_the_editor_page_offers_drag_and_drop_without_inline_script(teacher, quiz, lecture, three):
    html = teacher.get(url("quiz_edit", lecture)).content.decode()
    assert "js/quiz_editor" in html
    assert f'data-reorder-url="{url("question_reorder", lecture)}"' in html
    assert "<script>" not in html


def test_question_kinds_are_fixed_once_created(teacher, quiz, lecture):
    question = true_false(quiz)
    teacher.post(
        f"{url('question_edit', lecture, question.pk)}?kind=single",
        {"text": "Q", "points": "1", "true_false_answer": "true", "kind": "single"},
    )
    assert Question.objects.get(pk=question.pk).kind == "true_false"

"""The question form hands the services one QuestionFields: the cleaned input of the
question's kind, with the choices, and the defaults for the fields the kind does not have."""

from decimal import Decimal

from assessment.authoring import ChoiceData, QuestionFields
from teaching.quiz_forms import QuestionForm


def test_a_short_answer_form_gives_its_own_fields_and_the_defaults():
    form = QuestionForm(
        {
            "title": "  Capital  ",
            "text": "  Capital of France?  ",
            "points": "2",
            "accepted_answers": "Paris\n  paris \n\nParis",
            "explanation": " It is. ",
        },
        kind="short_answer",
    )
    assert form.is_valid(), form.errors

    assert form.question_fields(choices=[]) == QuestionFields(
        text="Capital of France?",
        title="Capital",
        explanation="It is.",
        points=2,
        accepted_answers=["Paris", "paris"],
        numeric_tolerance=0,
        choices=[],
    )


def test_a_choice_form_carries_the_choices_it_is_given():
    form = QuestionForm(
        {"text": "Red planet?", "points": "1", "partial_credit": "on"}, kind="multiple"
    )
    assert form.is_valid(), form.errors
    choices = [ChoiceData("Mars", True), ChoiceData("Venus")]

    fields = form.question_fields(choices=choices)

    assert fields.partial_credit is True
    assert fields.choices == choices
    assert fields.true_false_answer is None and fields.numeric_value is None


def test_a_numeric_form_gives_value_and_tolerance():
    form = QuestionForm(
        {"text": "Pi?", "points": "1", "numeric_value": "3.14", "numeric_tolerance": "0.01"},
        kind="numeric",
    )
    assert form.is_valid(), form.errors

    fields = form.question_fields(choices=[])

    assert fields.numeric_value == Decimal("3.14")
    assert fields.numeric_tolerance == Decimal("0.01")

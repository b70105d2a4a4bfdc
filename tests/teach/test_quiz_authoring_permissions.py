"""Who may use the quiz editor: the rules of every other lecture, each guard on its own."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessment import authoring
from assessment.models import Choice, Question, Quiz
from assessment.services import quiz_gift_import
from courses.models import Lecture
from tests.assessment.conftest import single
from tests.factories import (
    AdminFactory,
    CourseFactory,
    InstructorFactory,
    LectureFactory,
    ModuleFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture(instructor):
    module = ModuleFactory(course=CourseFactory(instructors=[instructor]))
    return LectureFactory(module=module, kind=Lecture.Kind.QUIZ, body="")


@pytest.fixture
def quiz(lecture):
    quiz = Quiz.objects.create(lecture=lecture, pass_mark=60)
    single(quiz, "A", order=0)
    single(quiz, "B", order=1)
    return quiz


def quiz_urls(lecture, quiz):
    slug, pk = lecture.module.course.slug, lecture.pk
    first, second = quiz.questions.order_by("order")
    choices = {
        "choices-TOTAL_FORMS": "2",
        "choices-INITIAL_FORMS": "0",
        "choices-0-text": "Yes",
        "choices-0-is_correct": "on",
        "choices-1-text": "No",
    }

    def at(name, *args):
        return reverse(f"teach:{name}", args=[slug, pk, *args])

    return [
        ("get", at("quiz_edit"), {}),
        ("post", at("quiz_edit"), {"pass_mark": "10", "feedback": "never"}),
        ("get", at("quiz_export"), {}),
        ("post", at("question_move", first.pk), {"direction": "down"}),
        ("post", at("question_reorder"), {"question": [second.pk, first.pk]}),
        ("post", at("quiz_import"), {"text": "New?{T}"}),
        ("get", at("question_create") + "?kind=single", {}),
        ("post", at("question_create") + "?kind=single", {"text": "New", "points": 1, **choices}),
        ("get", at("question_edit", first.pk), {}),
        ("post", at("question_edit", first.pk), {"text": "Changed", "points": 1, **choices}),
        ("get", at("question_delete", first.pk), {}),
        ("post", at("question_delete", first.pk), {}),
    ]


def snapshot(quiz):
    return (
        list(Quiz.objects.filter(pk=quiz.pk).values()),
        list(Question.objects.filter(quiz=quiz).values()),
        list(Choice.objects.filter(question__quiz=quiz).values()),
    )


@pytest.mark.parametrize("who", ["anonymous", "student", "other_instructor", "demoted"])
def test_outsiders_get_nothing_and_change_nothing(client, instructor, lecture, quiz, who):
    if who == "student":
        client.force_login(StudentFactory())
    elif who == "other_instructor":
        other = InstructorFactory()
        CourseFactory(instructors=[other])  # they have a workspace, not this one
        client.force_login(other)
    elif who == "demoted":
        # Still assigned, but no longer an instructor: access follows the role.
        instructor.role = "student"
        instructor.save()
        client.force_login(instructor)
    before = snapshot(quiz)

    for method, url, data in quiz_urls(lecture, quiz):
        response = getattr(client, method)(url, data)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/?next="), url
        else:
            assert response.status_code == 404, (method, url, response.status_code)

    assert snapshot(quiz) == before


@pytest.mark.parametrize("who", ["assigned", "co_instructor", "admin"])
def test_the_course_managers_may_use_every_url(client, instructor, lecture, quiz, who):
    if who == "assigned":
        client.force_login(instructor)
    elif who == "co_instructor":
        co = InstructorFactory()
        lecture.module.course.instructors.add(co)
        client.force_login(co)
    else:
        client.force_login(AdminFactory())

    for method, url, data in quiz_urls(lecture, quiz):
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302), (method, url, response.status_code)

    quiz.refresh_from_db()
    assert quiz.pass_mark == 10
    # A was edited, then deleted.
    assert sorted(quiz.questions.values_list("text", flat=True)) == ["B", "New", "New?"]


def test_a_question_of_another_quiz_is_a_404(teacher, instructor, lecture, quiz):
    """The question is looked up within the lecture of the URL, not by its id alone."""
    other_lecture = LectureFactory(module=lecture.module, kind=Lecture.Kind.QUIZ)
    foreign = single(Quiz.objects.create(lecture=other_lecture), "Foreign")
    slug = lecture.module.course.slug
    for name in ("question_edit", "question_delete"):
        url = reverse(f"teach:{name}", args=[slug, lecture.pk, foreign.pk])
        assert teacher.get(url).status_code == 404
        assert teacher.post(url, {"text": "X", "points": 1}).status_code == 404
    url = reverse("teach:question_move", args=[slug, lecture.pk, foreign.pk])
    assert teacher.post(url, {"direction": "up"}).status_code == 404
    assert Question.objects.filter(pk=foreign.pk, text="Foreign").exists()


def test_a_lecture_of_another_course_is_a_404(teacher, lecture, quiz):
    """The lecture is looked up within the course of the URL (which the user manages)."""
    stranger = LectureFactory(kind=Lecture.Kind.QUIZ)
    Quiz.objects.create(lecture=stranger)
    url = reverse("teach:quiz_edit", args=[lecture.module.course.slug, stranger.pk])
    assert teacher.get(url).status_code == 404
    assert teacher.post(url, {"pass_mark": "1", "feedback": "never"}).status_code == 404


# -- the services check the actor themselves ---------------------------------------------------


def service_calls(lecture, quiz):
    first, second = quiz.questions.order_by("order")
    choices = [authoring.ChoiceData("Yes", True), authoring.ChoiceData("No")]
    return {
        "quiz_ensure": lambda a: authoring.quiz_ensure(actor=a, lecture=lecture),
        "quiz_release": lambda a: authoring.quiz_release(actor=a, lecture=lecture),
        "quiz_settings_update": lambda a: authoring.quiz_settings_update(
            actor=a,
            quiz=quiz,
            pass_mark=1,
            attempts_allowed=None,
            time_limit_seconds=None,
            shuffle_questions=False,
            shuffle_choices=False,
            draw_count=None,
            feedback="never",
        ),
        "question_create": lambda a: authoring.question_create(
            actor=a, quiz=quiz, kind="single", fields=authoring.QuestionFields("X", choices=choices)
        ),
        "question_update": lambda a: authoring.question_update(
            actor=a,
            question=first,
            fields=authoring.QuestionFields("X", numeric_value=Decimal(1), choices=choices),
        ),
        "question_delete": lambda a: authoring.question_delete(actor=a, question=first),
        "question_move": lambda a: authoring.question_move(
            actor=a, question=first, direction="down"
        ),
        "question_reorder": lambda a: authoring.question_reorder(
            actor=a, quiz=quiz, question_ids=[second.pk, first.pk]
        ),
        "quiz_gift_import": lambda a: quiz_gift_import(actor=a, quiz=quiz, source="Q?{T}"),
    }


SERVICES = [
    "quiz_ensure",
    "quiz_release",
    "quiz_settings_update",
    "question_create",
    "question_update",
    "question_delete",
    "question_move",
    "question_reorder",
    "quiz_gift_import",
]


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("who", ["student", "other_instructor"])
def test_services_refuse_the_wrong_actor(lecture, quiz, name, who):
    actor = StudentFactory() if who == "student" else InstructorFactory()
    before = snapshot(quiz)
    with pytest.raises(PermissionDenied):
        service_calls(lecture, quiz)[name](actor)
    assert snapshot(quiz) == before


@pytest.mark.parametrize("name", SERVICES)
def test_services_serve_the_course_instructor(instructor, lecture, quiz, name):
    if name == "quiz_release":  # past the permission check, the quiz's questions keep it
        with pytest.raises(ValidationError):
            service_calls(lecture, quiz)[name](instructor)
    else:
        service_calls(lecture, quiz)[name](instructor)

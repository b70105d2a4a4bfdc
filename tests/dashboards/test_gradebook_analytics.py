"""Question analytics: figures on a hand-made set of attempts, worked out by hand."""

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.gradebook import question_analytics
from assessment.models import Attempt, Choice, Question, Quiz
from assessment.services import attempt_start, attempt_submit
from courses.models import Lecture
from tests.assessment.conftest import NOW, multiple, numeric, short_answer, single, true_false
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    LectureFactory,
    ModuleFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class Crafted:
    quiz: Quiz
    instructor: object
    pick: Question
    multi: Question
    tf: Question
    short: Question
    num: Question


def _choice(question, index):
    return list(question.choices.order_by("order").values_list("pk", flat=True))[index]


def crafted_quiz() -> Crafted:
    instructor = InstructorFactory()
    course = CourseFactory(title="Geography", instructors=[instructor])
    lecture = LectureFactory(
        module=ModuleFactory(course=course, order=0),
        order=0,
        title="Capitals",
        kind=Lecture.Kind.QUIZ,
        body="",
    )
    quiz = Quiz.objects.create(lecture=lecture, pass_mark=50, time_limit_seconds=600)
    pick = single(quiz, "Capital of Peru?", order=0, correct=1)  # choices 0, 1 (right), 2
    multi = multiple(quiz, correct=(0, 1), partial_credit=True, order=1)
    tf = true_false(quiz, answer=True, order=2)
    short = short_answer(quiz, "Paris", order=3)
    num = numeric(quiz, "3.14", "0.01", order=4)
    return Crafted(quiz, instructor, pick, multi, tf, short, num)


def answers(c: Crafted, *, pick=None, multi=None, tf=None, short=None, num=None) -> dict:
    given = {
        c.pick: None if pick is None else _choice(c.pick, pick),
        c.multi: None if multi is None else [_choice(c.multi, i) for i in multi],
        c.tf: tf,
        c.short: short,
        c.num: num,
    }
    return {str(q.pk): value for q, value in given.items() if value is not None}


def take(c: Crafted, student, given, *, late=False):
    attempt = attempt_start(student=student, quiz=c.quiz, now=NOW)
    grace = timedelta(seconds=600 + settings.QUIZ_SUBMIT_GRACE_SECONDS + 1)
    return attempt_submit(
        student=student, attempt=attempt, answers=given, now=NOW + grace if late else NOW
    )


def students(c: Crafted, count):
    course = c.quiz.lecture.module.course
    return [
        EnrollmentFactory(course=course, student=StudentFactory()).student for _ in range(count)
    ]


@pytest.fixture
def crafted(db):
    c = crafted_quiz()
    s1, s2, s3, s4 = students(c, 4)
    # s1: 4 of 5 points (80%, passed).
    take(c, s1, answers(c, pick=0, multi=[0, 1], tf="true", short=" paris ", num="3.14"))
    # s2: half the multiple choice (partial credit), 10%.
    take(c, s2, answers(c, pick=2, multi=[0], tf="false", short="London", num="3"))
    # s3: nothing right, 0%.
    take(c, s3, answers(c, pick=0, multi=[2, 3], tf="false", short="london  ", num="3.0"))
    # s4: only the single choice; leaves two blank; 20%.
    take(c, s4, answers(c, pick=1, short="Rome", num="abc"))
    # Left out: s4's late attempt (its answers were not counted), an open attempt, and the
    # instructor's tries.
    take(c, s4, answers(c, pick=0, multi=[3], tf="false", short="x", num="1"), late=True)
    attempt_start(student=s3, quiz=c.quiz, now=NOW)
    for _ in range(2):
        take(c, c.instructor, answers(c, pick=2, multi=[3], tf="false", short="Oslo", num="9"))
    assert Attempt.objects.filter(quiz=c.quiz).count() == 8
    return c


def by_id(analytics):
    return {q.id: q for q in analytics.questions}


def test_the_summary_counts_students_on_time_attempts_only(crafted):
    a = question_analytics(quiz=crafted.quiz)
    assert (a.attempts, a.students, a.passed_students, a.late_attempts) == (4, 4, 1, 1)
    # (80 + 10 + 0 + 20) / 4
    assert a.average_score == Decimal("27.5")


def test_figures_per_question(crafted):
    c = crafted
    q = by_id(question_analytics(quiz=c.quiz))
    figures = {
        name: (q[x.pk].drawn, q[x.pk].answered, q[x.pk].correct, q[x.pk].partly_correct)
        for name, x in [
            ("pick", c.pick),
            ("multi", c.multi),
            ("tf", c.tf),
            ("short", c.short),
            ("num", c.num),
        ]
    }
    assert figures == {
        "pick": (4, 4, 1, 0),
        "multi": (4, 3, 1, 1),
        "tf": (4, 3, 1, 0),
        "short": (4, 4, 1, 0),
        "num": (4, 4, 1, 0),
    }
    assert q[c.pick.pk].share_correct == 25
    assert round(q[c.multi.pk].share_correct, 2) == 33.33
    assert q[c.multi.pk].left_blank == 1


def test_the_wrong_answer_given_most(crafted):
    c = crafted
    q = by_id(question_analytics(quiz=c.quiz))
    wrong = {
        x: (q[x.pk].most_common_wrong.text, q[x.pk].most_common_wrong.count)
        for x in (c.pick, c.multi, c.tf, c.short, c.num)
    }
    # Choice 0 was picked wrongly twice, choice 2 once.
    assert wrong[c.pick] == ("Capital of Peru? choice 0", 2)
    # Wrong picks m2 and m3 once each (s3); the tie goes to the first choice.
    assert wrong[c.multi] == ("m2", 1)
    assert wrong[c.tf] == ("False", 2)
    # Typed answers compare as graded: case and spaces do not matter.
    assert wrong[c.short] == ("london", 2)
    # "3" and "3.0" are the same number.
    assert wrong[c.num] == ("3", 2)


def test_a_question_nobody_got_wrong_has_no_wrong_answer(db):
    c = crafted_quiz()
    (s1,) = students(c, 1)
    take(c, s1, answers(c, pick=1, multi=[0, 1], tf="true", short="Paris", num="3.14"))
    q = by_id(question_analytics(quiz=c.quiz))
    assert all(q[x.pk].most_common_wrong is None for x in (c.pick, c.multi, c.tf, c.short))
    assert all(q[x.pk].share_correct == 100 for x in (c.pick, c.multi, c.tf, c.short, c.num))


def test_a_quiz_nobody_took(db):
    c = crafted_quiz()
    a = question_analytics(quiz=c.quiz)
    assert (a.attempts, a.students, a.average_score) == (0, 0, None)
    assert [(q.number, q.drawn, q.answered, q.share_correct) for q in a.questions] == [
        (n, 0, 0, None) for n in range(1, 6)
    ]


def test_edits_show_the_current_text_and_deleted_questions_their_own(crafted):
    c = crafted
    Question.objects.filter(pk=c.pick.pk).update(text="Which city is the capital of Peru?")
    Choice.objects.filter(pk=_choice(c.pick, 0)).update(text="Cusco")
    deleted = c.tf.pk
    c.tf.delete()
    a = question_analytics(quiz=c.quiz)
    q = by_id(a)
    assert "Which city is the capital of Peru?" in q[c.pick.pk].text_html
    assert q[c.pick.pk].most_common_wrong.text == "Cusco"
    # Deleted since: after the pool's questions, with the text the attempts showed, and
    # its figures kept.
    assert [x.id for x in a.questions] == [c.pick.pk, c.multi.pk, c.short.pk, c.num.pk, deleted]
    assert not q[deleted].in_pool and "True?" in q[deleted].text_html
    assert (q[deleted].answered, q[deleted].most_common_wrong.text) == (3, "False")
    assert all(x.in_pool for x in a.questions[:4])
    assert [x.number for x in a.questions] == [1, 2, 3, 4, 5]


def test_right_and_wrong_stay_as_each_attempt_was_graded(crafted):
    c = crafted
    # Making choice 0 the right one later does not turn the old wrong picks right.
    Choice.objects.filter(question=c.pick).update(is_correct=False)
    Choice.objects.filter(pk=_choice(c.pick, 0)).update(is_correct=True)
    q = by_id(question_analytics(quiz=c.quiz))
    assert (q[c.pick.pk].correct, q[c.pick.pk].most_common_wrong.count) == (1, 2)


def page_url(c: Crafted, lecture_id=None):
    course = c.quiz.lecture.module.course
    return f"/teach/{course.slug}/gradebook/quizzes/{lecture_id or c.quiz.lecture_id}/"


def test_the_page_shows_the_figures(client, crafted):
    client.force_login(crafted.instructor)
    response = client.get(page_url(crafted))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Question analytics: Capitals</h1>" in html
    assert re.search(r'data-figure="attempts">4<', html)
    assert re.search(r'data-figure="late">1<', html)
    assert re.search(r'data-figure="average">27\.5%<', html)
    assert re.findall(r"<span data-share>([^<]+)</span>", html) == [
        "25%",
        "33%",
        "33%",
        "25%",
        "25%",
    ]
    # Five questions under a low share of right answers: each flagged in words.
    assert html.count("Often missed") == 5
    assert "<q>Capital of Peru? choice 0</q>" in html and "<q>london</q>" in html
    assert html.count('<th scope="row">') == 5
    assert "style=" not in html and "<script>" not in html


def test_the_page_of_a_lecture_without_a_quiz_is_404(client, crafted):
    client.force_login(crafted.instructor)
    text = LectureFactory(module=crafted.quiz.lecture.module, order=5)
    assert client.get(page_url(crafted, text.pk)).status_code == 404
    other = LectureFactory(kind=Lecture.Kind.QUIZ)
    Quiz.objects.create(lecture=other)
    assert client.get(page_url(crafted, other.pk)).status_code == 404


def test_the_query_count_does_not_grow_with_attempts(client, crafted):
    client.force_login(crafted.instructor)
    client.get(page_url(crafted))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(crafted)).status_code == 200
        return len(queries)

    before = count()
    for student in students(crafted, 12):
        take(crafted, student, answers(crafted, pick=2, tf="false", short="Lima"))
    assert count() == before <= 8
    q = by_id(question_analytics(quiz=crafted.quiz))
    assert q[crafted.pick.pk].most_common_wrong.text == "Capital of Peru? choice 2"


def test_a_quiz_whose_lecture_is_no_longer_a_quiz_has_no_page(client, crafted):
    client.force_login(crafted.instructor)
    Lecture.objects.filter(pk=crafted.quiz.lecture_id).update(kind=Lecture.Kind.TEXT)
    assert client.get(page_url(crafted)).status_code == 404


def test_a_question_whose_kind_changed_in_the_admin_keeps_its_page(client, db):
    """Analytics of a question an admin turned from a choice into true/false show, not a 500."""
    c = crafted_quiz()
    (student,) = students(c, 1)
    take(c, student, answers(c, pick=0))
    # Attempts keep the old kind in their snapshots: one wrong answer is tallied under a
    # choice id, the next under "false", and the two tie for the wrong answer given most.
    Question.objects.filter(pk=c.pick.pk).update(
        kind=Question.Kind.TRUE_FALSE, true_false_answer=True
    )
    take(c, student, {str(c.pick.pk): "false"})
    client.force_login(c.instructor)
    assert client.get(page_url(c)).status_code == 200
    # The tie goes to the choice, then to the typed answers: the same every time.
    wrong = by_id(question_analytics(quiz=c.quiz))[c.pick.pk].most_common_wrong
    assert (wrong.text, wrong.count) == ("Capital of Peru? choice 0", 1)

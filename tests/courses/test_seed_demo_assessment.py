"""The demo has quizzes (some timed, some with limited attempts) and the demo student holds
a certificate, so a newcomer sees both at once; seeding again adds nothing."""

import pytest
from django.urls import reverse

from assessment.models import Quiz
from certificates.models import Certificate
from courses.models import Lecture
from demo.quizzes import QUIZZES
from progress.selectors import course_outline_state
from tests.courses.test_seed_demo import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    seed()


def test_demo_courses_hold_quizzes_that_gate_what_follows(demo):
    quizzes = Quiz.objects.select_related("lecture__module__course")
    assert {q.lecture.module.course.slug for q in quizzes} == set(QUIZZES)
    assert quizzes.filter(time_limit_seconds__isnull=False).exists()
    assert quizzes.filter(attempts_allowed__isnull=False).exists()
    assert quizzes.filter(attempts_allowed__isnull=True).exists()
    for quiz in quizzes:
        assert quiz.lecture.kind == Lecture.Kind.QUIZ and quiz.lecture.is_published
        assert quiz.questions.count() >= 3
    # Every kind of question is shown somewhere.
    kinds = set(Quiz.objects.values_list("questions__kind", flat=True))
    assert kinds == {"single", "multiple", "true_false", "short_answer", "numeric"}


def test_the_demo_students_quiz_is_ahead_and_locks_what_follows(demo):
    from accounts.models import User

    student = User.objects.get(email="student@example.com")
    quiz = Quiz.objects.get(lecture__module__course__slug="python-for-absolute-beginners")
    course = quiz.lecture.module.course
    outline = course_outline_state(user=student, course=course)
    after = [i for i in outline.items if i.lecture.pk != quiz.lecture.pk][-1]
    assert not outline.state_of(after.lecture.pk).is_open


def test_the_demo_student_holds_one_valid_certificate(demo, client):
    certificate = Certificate.objects.get(student__email="student@example.com")
    assert certificate.is_valid and certificate.name == "Sam Student"
    response = client.get(reverse("certificates:verify", args=[certificate.uuid]))
    assert response.context["verification"].signature_valid


def test_seeding_again_adds_no_quiz_question_or_certificate(demo):
    before = (Quiz.objects.count(), Certificate.objects.count())
    questions = sum(q.questions.count() for q in Quiz.objects.all())
    seed()
    assert (Quiz.objects.count(), Certificate.objects.count()) == before
    assert sum(q.questions.count() for q in Quiz.objects.all()) == questions


def test_demo_learners_took_the_quizzes_they_passed_on_the_way(demo):
    from django.core.management import call_command

    from assessment.models import Attempt

    call_command("seed_demo_activity", stdout=open("/dev/null", "w"))  # noqa: SIM115
    attempts = Attempt.objects.filter(student__email__startswith="demo-learner-")
    assert attempts.filter(passed=True).exists()
    assert attempts.filter(passed=False).exists()  # some failed first, as people do
    assert not attempts.filter(submitted_at__isnull=True).exists()

"""The quiz pages: start, resume, submit, result, and what the unlock rule does with them."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from assessment.models import Attempt, Choice, Quiz
from progress.models import LectureCompletion
from tests.assessment.conftest import (
    correct_choice_ids,
    multiple,
    numeric,
    short_answer,
    single,
    true_false,
    wrong_choice_ids,
)
from tests.factories import EnrollmentFactory, InstructorFactory, StudentFactory

pytestmark = pytest.mark.django_db


def quiz_url(course, lecture):
    return f"/learn/{course.slug}/lectures/{lecture.pk}/quiz/"


@pytest.fixture
def question(quiz):
    return single(quiz)


@pytest.fixture
def url(course, lectures):
    return quiz_url(course, lectures[1])


@pytest.fixture
def taker(client, student, unlocked, question):
    client.force_login(student)
    return client


def start(client, url) -> Attempt:
    response = client.post(f"{url}start/")
    assert response.status_code == 302
    attempt = Attempt.objects.latest("id")
    assert response.headers["Location"] == f"{url}attempts/{attempt.pk}/"
    return attempt


def test_quiz_page_shows_the_standing_and_a_start_button(taker, url):
    response = taker.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "50% or more" in html
    assert "Start the quiz" in html
    assert "No attempt yet" in html


def test_start_then_resume_returns_the_same_attempt(taker, url):
    first = start(taker, url)
    assert "Resume the quiz" in taker.get(url).content.decode()
    second = start(taker, url)
    assert second.pk == first.pk
    assert Attempt.objects.count() == 1
    response = taker.get(f"{url}attempts/{first.pk}/")
    assert response.status_code == 200
    assert "Submit answers" in response.content.decode()


def test_submit_grades_and_shows_the_result(taker, url, question, lectures, student):
    attempt = start(taker, url)
    right = correct_choice_ids(question)[0]
    response = taker.post(f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": str(right)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{url}attempts/{attempt.pk}/result/"
    attempt.refresh_from_db()
    assert attempt.passed and attempt.score == 100
    result = taker.get(response.headers["Location"])
    assert result.status_code == 200
    html = result.content.decode()
    assert "Your score: 100%" in html
    assert "Passed" in html
    # The attempt page of a submitted attempt leads to its result.
    again = taker.get(f"{url}attempts/{attempt.pk}/")
    assert again.headers["Location"].endswith("/result/")


def test_pass_completes_the_lecture_and_opens_the_next(
    taker, url, question, lectures, course, committed
):
    after = f"/learn/{course.slug}/lectures/{lectures[2].pk}/"
    assert taker.get(after).status_code == 302  # locked before the quiz is passed
    attempt = start(taker, url)
    right = correct_choice_ids(question)[0]
    with committed():
        taker.post(f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": str(right)})
    assert LectureCompletion.objects.filter(lecture=lectures[1]).exists()
    result = taker.get(f"{url}attempts/{attempt.pk}/result/").content.decode()
    assert f'href="{after}"' in result
    assert taker.get(after).status_code == 200


def test_fail_keeps_the_next_lecture_locked(taker, url, question, lectures, course, committed):
    attempt = start(taker, url)
    wrong = wrong_choice_ids(question)[0]
    with committed():
        taker.post(f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": str(wrong)})
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and not attempt.passed
    assert not LectureCompletion.objects.filter(lecture=lectures[1]).exists()
    after = f"/learn/{course.slug}/lectures/{lectures[2].pk}/"
    assert taker.get(after).status_code == 302
    result = taker.get(f"{url}attempts/{attempt.pk}/result/").content.decode()
    assert "Not passed" in result
    assert f'href="{after}"' not in result


def test_second_submission_changes_nothing(taker, url, question):
    attempt = start(taker, url)
    wrong, right = wrong_choice_ids(question)[0], correct_choice_ids(question)[0]
    taker.post(f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": str(wrong)})
    response = taker.post(f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": str(right)})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert not attempt.passed
    assert attempt.answers == {str(question.pk): wrong}


def test_attempts_exhausted_shows_no_start(taker, url, quiz, question):
    quiz.attempts_allowed = 1
    quiz.save()
    attempt = start(taker, url)
    taker.post(
        f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": str(wrong_choice_ids(question)[0])}
    )
    html = taker.get(url).content.decode()
    assert "Start the quiz" not in html and "Try again" not in html
    assert "used every attempt" in html
    assert f'action="{url}start/"' not in html
    assert taker.post(f"{url}start/").status_code == 403
    assert Attempt.objects.count() == 1


def test_a_bad_number_is_shown_on_its_field_and_not_submitted(taker, url, quiz):
    question = numeric(quiz, "3.5", order=1)
    attempt = start(taker, url)
    response = taker.post(f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": "three"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="q{question.pk}-errors"' in html
    assert f'aria-describedby="q{question.pk}-errors"' in html
    assert 'value="three"' in html
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_number_too_large_to_grade_is_shown_on_its_field(taker, url, quiz):
    question = numeric(quiz, "3.5", order=1)
    attempt = start(taker, url)
    response = taker.post(f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": "1e1000000"})
    assert response.status_code == 400
    assert f'id="q{question.pk}-errors"' in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_another_students_attempt_is_not_found(taker, url, quiz, course):
    other = StudentFactory()
    EnrollmentFactory(student=other, course=course)
    attempt = start(taker, url)
    client = Client()
    client.force_login(other)
    assert client.get(f"{url}attempts/{attempt.pk}/").status_code in (403, 404)
    assert client.post(f"{url}attempts/{attempt.pk}/", {}).status_code in (403, 404)
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_locked_quiz_is_forbidden(client, student, enrollment, question, url):
    client.force_login(student)  # the lecture before the quiz is not completed
    assert client.get(url).status_code == 403
    assert client.post(f"{url}start/").status_code == 403
    assert not Attempt.objects.exists()


def test_course_manager_attempts_are_not_counted(client, instructor, question, url):
    client.force_login(instructor)
    assert "not counted" in client.get(url).content.decode()
    attempt = start(client, url)
    assert attempt.counted is False


def test_a_former_managers_tries_are_not_listed_as_their_attempts(
    client, instructor, course, lectures, question, url
):
    """Once a student, a former instructor's quiz page lists only the attempts that count."""
    client.force_login(instructor)
    tried = start(client, url)
    client.post(
        f"{url}attempts/{tried.pk}/", {f"q{question.pk}": str(correct_choice_ids(question)[0])}
    )
    course.instructors.remove(instructor)
    EnrollmentFactory(student=instructor, course=course).completions.create(lecture=lectures[0])

    html = client.get(url).content.decode()

    assert f"attempts/{tried.pk}/result/" not in html
    assert "Your attempts" not in html
    assert "Start the quiz" in html


def test_quiz_without_questions_says_so(client, student, unlocked, quiz, url):
    client.force_login(student)
    response = client.post(f"{url}start/", follow=True)
    assert "This quiz has no questions yet." in response.content.decode()
    assert not Attempt.objects.exists()


def test_player_links_to_the_quiz_and_hides_mark_as_complete(taker, course, lectures, url):
    html = taker.get(f"/learn/{course.slug}/lectures/{lectures[1].pk}/").content.decode()
    assert f'href="{url}"' in html
    assert "Take the quiz" in html
    assert "Mark as complete" not in html
    text = taker.get(f"/learn/{course.slug}/lectures/{lectures[0].pk}/").content.decode()
    assert "Take the quiz" not in text
    assert "You completed this lecture." in text  # a text lecture keeps its completion panel


SECRET_EXPLANATION = "zq-secret-explanation-7731"
SECRET_CHOICE_EXPLANATION = "zq-choice-explanation-4410"
SECRET_ACCEPTED = "zq-accepted-answer-9902"
SECRET_VALUE = "98765.4321"


@pytest.fixture
def secret_quiz(quiz):
    """One question of each kind, with distinctive answers and explanations."""
    choice_q = single(quiz, "Which one", order=0, explanation=SECRET_EXPLANATION)
    Choice.objects.filter(question=choice_q).update(explanation=SECRET_CHOICE_EXPLANATION)
    multiple(quiz, order=1)
    true_false(quiz, order=2)
    short_answer(quiz, SECRET_ACCEPTED, order=3)
    numeric(quiz, SECRET_VALUE, "0.5", order=4)
    return quiz


def test_no_answer_reaches_the_attempt_page(client, student, unlocked, secret_quiz, url):
    client.force_login(student)
    attempt = start(client, url)
    pages = [
        client.get(url),
        client.get(f"{url}attempts/{attempt.pk}/"),
        client.get(f"{url}attempts/{attempt.pk}/result/", follow=True),
        client.post(f"{url}attempts/{attempt.pk}/", {"q0": "x"}),  # nothing matches: submits
    ]
    attempt.delete()
    attempt = start(client, url)
    numeric_q = secret_quiz.questions.get(kind="numeric")
    pages.append(client.post(f"{url}attempts/{attempt.pk}/", {f"q{numeric_q.pk}": "x"}))
    assert pages[-1].status_code == 400
    for response in pages[:2] + pages[-1:]:
        html = response.content.decode()
        for secret in (SECRET_EXPLANATION, SECRET_CHOICE_EXPLANATION, SECRET_ACCEPTED, "98765"):
            assert secret not in html
        assert "is_correct" not in html
        assert "is-correct" not in html
        assert "Correct answer" not in html
        assert "data-correct" not in html


class LabelCheck(HTMLParser):
    """Collects the form's inputs, labels, fieldsets and legends."""

    def __init__(self):
        super().__init__()
        self.inputs, self.labels = [], set()
        self.fieldsets, self.legends = 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") not in ("hidden", "submit"):
            self.inputs.append(attrs)
        elif tag == "label":
            self.labels.add(attrs.get("for"))
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1


def test_every_input_has_a_label_and_every_question_a_legend(
    client, student, unlocked, secret_quiz, url
):
    client.force_login(student)
    attempt = start(client, url)
    html = client.get(f"{url}attempts/{attempt.pk}/").content.decode()
    form = html[html.index('<form method="post" action="' + f"{url}attempts/") :]
    check = LabelCheck()
    check.feed(form)
    assert check.fieldsets == 5 == check.legends
    assert len(check.inputs) == 3 + 4 + 2 + 1 + 1
    for attrs in check.inputs:
        assert attrs.get("id") in check.labels, attrs
    assert (
        len(re.findall(r'<fieldset class="quiz-question"[^>]*aria-describedby="q\d+-text', form))
        == 5
    )


def test_deadline_is_shown(taker, url, quiz):
    quiz.time_limit_seconds = 600
    quiz.save()
    attempt = start(taker, url)
    html = taker.get(f"{url}attempts/{attempt.pk}/").content.decode()
    assert "Submit by" in html
    assert f'datetime="{attempt.deadline.isoformat()}"' in html or "<time datetime=" in html


def test_late_submission_is_not_counted(taker, url, quiz, question):
    quiz.time_limit_seconds = 60
    quiz.save()
    attempt = start(taker, url)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(hours=1), started_at=timezone.now() - timedelta(hours=2)
    )
    right = correct_choice_ids(question)[0]
    taker.post(f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": str(right)})
    attempt.refresh_from_db()
    assert attempt.late and not attempt.passed
    assert "Too late" in taker.get(f"{url}attempts/{attempt.pk}/result/").content.decode()


def test_other_instructor_and_unenrolled_student_are_kept_out(client, question, url):
    for user in (StudentFactory(), InstructorFactory()):
        client.force_login(user)
        assert client.get(url).status_code in (403, 404)
        assert client.post(f"{url}start/").status_code in (403, 404)
    assert not Attempt.objects.exists()
    assert Quiz.objects.count() == 1


def test_an_attempt_reloads_from_the_cache_the_same_and_cheaply(
    taker, url, quiz, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for order in range(1, 10):
        single(quiz, f"Question {order}", order=order)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = start(taker, url)
    page = f"{url}attempts/{attempt.pk}/"
    first = taker.get(page).content.decode()
    # The attempt with its quiz, the course, the outline and the learner's progress come
    # from the cache, the questions from this process's memory.
    with django_assert_max_num_queries(0):
        again = taker.get(page).content.decode()

    def questions(html):
        return html[html.index("<fieldset") : html.rindex("</fieldset>")]

    assert questions(again) == questions(first)
    assert again.count("<fieldset") == 10


def test_an_attempt_is_read_in_the_same_cache_round_trip_as_its_course(
    taker, url, django_capture_on_commit_callbacks
):
    from unittest import mock

    from django.core.cache import caches

    from assessment.selectors import ATTEMPT_PAGE
    from progress.selectors import COURSE

    with django_capture_on_commit_callbacks(execute=True):
        attempt = start(taker, url)
    page = f"{url}attempts/{attempt.pk}/"
    taker.get(page)  # cached from here on
    backend = type(caches["default"])
    with mock.patch.object(backend, "get_many", autospec=True, side_effect=backend.get_many) as spy:
        assert taker.get(page).status_code == 200
    reads = [call.args[1] for call in spy.call_args_list]
    with_attempt = [keys for keys in reads if ATTEMPT_PAGE(attempt.pk).key in keys]
    assert len(with_attempt) == 1
    assert COURSE(url.split("/")[2]).key in with_attempt[0]


def test_a_rejected_submission_keeps_the_answers_given(taker, url, quiz, question):
    numeric(quiz, "2", order=5)
    attempt = start(taker, url)
    taker.get(f"{url}attempts/{attempt.pk}/")  # the fresh form is cached
    response = taker.post(
        f"{url}attempts/{attempt.pk}/",
        {
            f"q{question.pk}": str(question.choices.first().pk),
            f"q{quiz.questions.last().pk}": "two",
        },
    )
    assert response.status_code == 400
    assert f'value="{question.choices.first().pk}" checked' in response.content.decode()


def test_a_submitted_attempt_is_never_shown_as_open_from_the_cache(
    taker, url, question, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attempt = start(taker, url)
    page = f"{url}attempts/{attempt.pk}/"
    assert taker.get(page).status_code == 200  # the open attempt, cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = taker.post(page, {f"q{question.pk}": str(question.choices.first().pk)})
    assert response.status_code == 302
    again = taker.get(page)
    assert again.status_code == 302 and again["Location"] == f"{page}result/"


def test_a_timed_attempt_page_carries_the_countdown_and_an_untimed_one_does_not(taker, url, quiz):
    attempt = start(taker, url)
    html = taker.get(f"{url}attempts/{attempt.pk}/").content.decode()
    assert "data-quiz-timer" not in html and "quiz_timer" not in html
    taker.post(f"{url}attempts/{attempt.pk}/", {})  # submitted: the next attempt is timed

    quiz.time_limit_seconds = 600
    quiz.save()
    attempt = start(taker, url)
    html = taker.get(f"{url}attempts/{attempt.pk}/").content.decode()
    seconds = int(re.search(r'data-seconds-left="(\d+)"', html).group(1))
    assert 590 <= seconds <= 600
    assert 'role="timer"' in html
    assert re.search(r'<script src="[^"]*js/quiz_timer[^"]*\.js" defer>', html)


def test_once_the_time_is_up_unreadable_answers_count_as_unanswered(taker, url, quiz, question):
    quiz.time_limit_seconds = 60
    quiz.save()
    number = numeric(quiz, "3.5", order=1)
    attempt = start(taker, url)
    # Time just up, still within the grace: what can be read is graded.
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=1),
        started_at=timezone.now() - timedelta(seconds=61),
    )
    right = correct_choice_ids(question)[0]
    response = taker.post(
        f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": str(right), f"q{number.pk}": "three"}
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and not attempt.late
    assert attempt.answers == {str(question.pk): right}
    assert attempt.score == 50


def test_before_the_time_is_up_an_unreadable_answer_is_sent_back(taker, url, quiz, question):
    quiz.time_limit_seconds = 600
    quiz.save()
    number = numeric(quiz, "3.5", order=1)
    attempt = start(taker, url)
    response = taker.post(f"{url}attempts/{attempt.pk}/", {f"q{number.pk}": "three"})
    assert response.status_code == 400
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_pass_not_counted_when_graded_is_completed_from_the_quiz_page(
    taker, url, quiz, question, student, course, lectures, unlocked, committed
):
    """The quiz page offers to complete the lecture with a pass graded while access had ended."""
    from assessment.services import attempt_start, attempt_submit
    from progress.services import enrollment_create, enrollment_revoke

    quiz.attempts_allowed = 1
    quiz.save()
    with committed():
        attempt = attempt_start(student=student, quiz=quiz)
        enrollment_revoke(enrollment=unlocked)
        right = {str(question.pk): correct_choice_ids(question)[0]}
        attempt_submit(student=student, attempt=attempt, answers=right)
        enrollment_create(student=student, course=course)
    html = taker.get(url).content.decode()
    assert f'action="{url}complete/"' in html and "used every attempt" not in html
    after = f"/learn/{course.slug}/lectures/{lectures[2].pk}/"
    assert taker.get(after).status_code == 302

    with committed():
        response = taker.post(f"{url}complete/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/learn/{course.slug}/lectures/{lectures[1].pk}/"
    assert LectureCompletion.objects.filter(lecture=lectures[1]).exists()
    assert taker.get(after).status_code == 200
    assert f'action="{url}complete/"' not in taker.get(url).content.decode()


def test_a_failed_attempt_is_offered_no_completion(taker, url, question, lectures):
    """Without a pass, the quiz page offers no completion and refuses one."""
    attempt = start(taker, url)
    wrong = str(wrong_choice_ids(question)[0])
    taker.post(f"{url}attempts/{attempt.pk}/", {f"q{question.pk}": wrong})
    assert f'action="{url}complete/"' not in taker.get(url).content.decode()
    assert taker.post(f"{url}complete/").status_code == 403
    assert not LectureCompletion.objects.filter(lecture=lectures[1]).exists()

"""The quiz kind in the lecture forms: offered now that quizzes can be written; a quiz lecture
gets its quiz at once; a quiz holding attempts or questions stays a quiz."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from assessment.models import Attempt, Quiz
from courses.models import Lecture, authorable_lecture_kinds
from teaching.services import lecture_create, lecture_update
from tests.admin.helpers import admin_form_data
from tests.assessment.conftest import single
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LectureCompletionFactory,
    LectureFactory,
    ModuleFactory,
    StudentFactory,
)
from tests.teach.helpers import lecture_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(instructor):
    return ModuleFactory(course=CourseFactory(instructors=[instructor]))


def update_kwargs(lecture, kind):
    return {
        "lecture": lecture,
        "module": lecture.module,
        "title": lecture.title,
        "kind": kind,
        "body": "",
        "duration_seconds": 0,
        "is_free_preview": False,
        "is_published": False,
    }


def attempt_at(quiz):
    return Attempt.objects.create(
        quiz=quiz,
        student=StudentFactory(),
        started_at=datetime(2026, 3, 1, tzinfo=UTC),
        seed=1,
        snapshot={"version": 1, "pass_mark": 50, "feedback": "never", "questions": []},
    )


def test_forms_offer_every_kind():
    assert [value for value, _label in authorable_lecture_kinds()] == ["text", "video", "quiz"]


def test_the_workspace_lecture_form_offers_quiz(teacher, module):
    url = reverse("teach:lecture_create", args=[module.course.slug, module.pk])
    assert 'value="quiz"' in teacher.get(url).content.decode()


def test_creating_a_quiz_lecture_creates_its_quiz_and_opens_the_editor(teacher, module):
    url = reverse("teach:lecture_create", args=[module.course.slug, module.pk])
    response = teacher.post(url, lecture_data(module, title="Check", kind="quiz", body=""))
    lecture = Lecture.objects.get(title="Check")
    assert lecture.kind == Lecture.Kind.QUIZ
    quiz = Quiz.objects.get(lecture=lecture)
    # The model's defaults.
    assert (quiz.pass_mark, quiz.attempts_allowed, quiz.time_limit_seconds) == (70, None, None)
    assert quiz.feedback == Quiz.Feedback.AFTER_EACH_ATTEMPT
    assert response.status_code == 302
    assert response["Location"] == reverse("teach:quiz_edit", args=[module.course.slug, lecture.pk])
    page = teacher.get(response["Location"])
    assert "Now add its questions." in page.content.decode()


def test_the_service_creates_the_quiz_with_the_lecture(instructor, module):
    lecture = lecture_create(actor=instructor, module=module, title="Q", kind=Lecture.Kind.QUIZ)
    assert Quiz.objects.filter(lecture=lecture).exists()
    text = lecture_create(actor=instructor, module=module, title="T")
    assert not Quiz.objects.filter(lecture=text).exists()


def test_a_quiz_lecture_keeps_no_video(instructor, module):
    lecture = lecture_create(
        actor=instructor,
        module=module,
        title="Q",
        kind=Lecture.Kind.QUIZ,
        video_provider="youtube",
        video_id="dQw4w9WgXcQ",
    )
    assert (lecture.video_provider, lecture.video_id) == ("", "")


def test_a_text_lecture_made_a_quiz_gets_its_quiz(instructor, module):
    text = LectureFactory(module=module, kind=Lecture.Kind.TEXT)
    lecture_update(actor=instructor, **update_kwargs(text, Lecture.Kind.QUIZ))
    text.refresh_from_db()
    assert text.kind == Lecture.Kind.QUIZ
    assert Quiz.objects.filter(lecture=text).exists()


def test_an_empty_quiz_may_become_text_and_its_quiz_goes(instructor, module):
    lecture = lecture_create(actor=instructor, module=module, title="Q", kind=Lecture.Kind.QUIZ)
    lecture_update(actor=instructor, **update_kwargs(lecture, Lecture.Kind.TEXT))
    lecture.refresh_from_db()
    assert lecture.kind == Lecture.Kind.TEXT
    assert not Quiz.objects.filter(lecture=lecture).exists()


def test_a_quiz_with_attempts_stays_a_quiz(instructor, module):
    lecture = lecture_create(actor=instructor, module=module, title="Q", kind=Lecture.Kind.QUIZ)
    attempt_at(lecture.quiz)
    with pytest.raises(ValidationError) as raised:
        lecture_update(actor=instructor, **update_kwargs(lecture, Lecture.Kind.TEXT))
    assert "attempted" in str(raised.value.message_dict["kind"])
    lecture.refresh_from_db()
    assert lecture.kind == Lecture.Kind.QUIZ
    assert Attempt.objects.filter(quiz__lecture=lecture).count() == 1


def test_a_quiz_with_questions_stays_a_quiz(instructor, module):
    lecture = lecture_create(actor=instructor, module=module, title="Q", kind=Lecture.Kind.QUIZ)
    single(lecture.quiz)
    with pytest.raises(ValidationError) as raised:
        lecture_update(actor=instructor, **update_kwargs(lecture, Lecture.Kind.VIDEO))
    assert "questions" in str(raised.value.message_dict["kind"])
    lecture.refresh_from_db()
    assert lecture.kind == Lecture.Kind.QUIZ
    assert lecture.quiz.questions.count() == 1


def completed_text_lecture(module):
    lecture = LectureFactory(module=module, kind=Lecture.Kind.TEXT)
    enrollment = EnrollmentFactory(course=module.course)
    LectureCompletionFactory(enrollment=enrollment, lecture=lecture)
    return lecture


def test_a_lecture_students_completed_does_not_become_a_quiz(instructor, module):
    """Students who completed a text lecture are not counted as having passed a quiz."""
    lecture = completed_text_lecture(module)
    with pytest.raises(ValidationError) as raised:
        lecture_update(actor=instructor, **update_kwargs(lecture, Lecture.Kind.QUIZ))
    assert "cannot become a quiz" in str(raised.value.message_dict["kind"])
    lecture.refresh_from_db()
    assert lecture.kind == Lecture.Kind.TEXT
    assert lecture.completions.count() == 1
    assert not Quiz.objects.filter(lecture=lecture).exists()


def test_a_lecture_nobody_completed_may_become_a_quiz_as_a_video_may(instructor, module):
    lecture = completed_text_lecture(module)
    video = {"video_provider": "youtube", "video_id": "dQw4w9WgXcQ"}
    lecture_update(actor=instructor, **update_kwargs(lecture, Lecture.Kind.VIDEO), **video)
    lecture.refresh_from_db()
    assert lecture.kind == Lecture.Kind.VIDEO  # other kinds keep the completions
    assert lecture.completions.count() == 1


def test_the_lecture_form_shows_the_refusal_next_to_kind(teacher, instructor, module):
    lecture = lecture_create(actor=instructor, module=module, title="Q", kind=Lecture.Kind.QUIZ)
    attempt_at(lecture.quiz)
    url = reverse("teach:lecture_edit", args=[module.course.slug, lecture.pk])
    response = teacher.post(url, lecture_data(module, title="Q", kind="text"))
    assert response.status_code == 400
    assert "Students have attempted this quiz" in response.content.decode()
    lecture.refresh_from_db()
    assert lecture.kind == Lecture.Kind.QUIZ


def test_the_admin_offers_the_quiz_kind(admin_client):
    html = admin_client.get("/admin/courses/lecture/add/").content.decode()
    assert 'value="quiz"' in html
    module = ModuleFactory(course=CourseFactory())
    LectureFactory(module=module, kind=Lecture.Kind.TEXT)
    html = admin_client.get(f"/admin/courses/module/{module.pk}/change/").content.decode()
    assert 'value="quiz"' in html


def admin_lecture_data(lecture, kind):
    return {
        "module": lecture.module_id,
        "title": lecture.title,
        "order": lecture.order,
        "kind": kind,
        "body": "",
        "video_url": "",
        "duration_seconds": 0,
        "is_published": "on",
    }


def test_the_admin_keeps_a_quiz_with_questions_a_quiz(admin_client):
    lecture = LectureFactory(kind=Lecture.Kind.QUIZ, body="")
    single(Quiz.objects.create(lecture=lecture))
    url = f"/admin/courses/lecture/{lecture.pk}/change/"
    response = admin_client.post(url, admin_lecture_data(lecture, "text"))
    assert response.status_code == 200  # the form again, with the error
    assert "so it stays a quiz" in response.content.decode()
    lecture.refresh_from_db()
    assert lecture.kind == Lecture.Kind.QUIZ


def test_the_admin_does_not_make_a_lecture_students_completed_a_quiz(admin_client):
    """The admin refuses, as the workspace does, to turn a completed lecture into a quiz."""
    lecture = completed_text_lecture(ModuleFactory())
    url = f"/admin/courses/lecture/{lecture.pk}/change/"
    response = admin_client.post(url, admin_lecture_data(lecture, "quiz"))
    assert response.status_code == 200  # the form again, with the error
    assert "cannot become a quiz" in response.content.decode()
    lecture.refresh_from_db()
    assert lecture.kind == Lecture.Kind.TEXT


def test_the_admin_module_page_does_not_make_a_lecture_students_completed_a_quiz(admin_client):
    """The module's lecture rows in the admin refuse it too."""
    lecture = completed_text_lecture(ModuleFactory())
    url = f"/admin/courses/module/{lecture.module_id}/change/"
    page = admin_client.get(url)
    response = admin_client.post(url, admin_form_data(page, **{"lectures-0-kind": "quiz"}))
    assert response.status_code == 200
    assert "cannot become a quiz" in response.content.decode()
    lecture.refresh_from_db()
    assert lecture.kind == Lecture.Kind.TEXT


def test_the_admin_may_change_an_empty_quiz(admin_client):
    lecture = LectureFactory(kind=Lecture.Kind.QUIZ, body="")
    Quiz.objects.create(lecture=lecture)
    url = f"/admin/courses/lecture/{lecture.pk}/change/"
    response = admin_client.post(url, admin_lecture_data(lecture, "text"))
    assert response.status_code == 302
    lecture.refresh_from_db()
    assert lecture.kind == Lecture.Kind.TEXT


def test_a_quiz_lecture_added_in_the_admin_gets_its_quiz(admin_client, student):
    """A quiz lecture an admin adds gets its quiz, so its quiz page opens for students."""
    module = ModuleFactory(course=CourseFactory())
    data = admin_lecture_data(LectureFactory.build(module=module, title="Check", order=0), "quiz")
    assert admin_client.post("/admin/courses/lecture/add/", data).status_code == 302
    lecture = Lecture.objects.get(title="Check")
    quiz = Quiz.objects.get(lecture=lecture)
    assert (quiz.pass_mark, quiz.feedback) == (70, Quiz.Feedback.AFTER_EACH_ATTEMPT)
    EnrollmentFactory(student=student, course=module.course)
    client = Client()
    client.force_login(student)
    url = reverse("assessment:quiz", args=[module.course.slug, lecture.pk])
    assert client.get(url).status_code == 200


def test_a_lecture_made_a_quiz_in_the_admin_module_page_gets_its_quiz(admin_client):
    """A lecture row switched to a quiz on the module's admin page gets its quiz."""
    lecture = LectureFactory(kind=Lecture.Kind.TEXT)
    url = f"/admin/courses/module/{lecture.module_id}/change/"
    page = admin_client.get(url)
    response = admin_client.post(url, admin_form_data(page, **{"lectures-0-kind": "quiz"}))
    assert response.status_code == 302
    assert Quiz.objects.filter(lecture=lecture).exists()


def test_a_quiz_lecture_made_in_the_admin_gets_its_quiz_when_first_edited(admin_client, admin_user):
    module = ModuleFactory(course=CourseFactory())
    lecture = LectureFactory(module=module, kind=Lecture.Kind.QUIZ, body="")
    url = reverse("teach:quiz_edit", args=[module.course.slug, lecture.pk])
    admin_client.force_login(admin_user)
    page = admin_client.get(url)
    assert page.status_code == 200
    assert not Quiz.objects.filter(lecture=lecture).exists()  # a GET writes nothing
    data = {"pass_mark": 80, "feedback": "never"}
    assert admin_client.post(url, data).status_code == 302
    assert Quiz.objects.get(lecture=lecture).pass_mark == 80

"""Until the player can take a quiz, no form offers the quiz kind: a quiz lecture nobody can
pass would lock every lecture after it."""

import pytest
from django.core.exceptions import ValidationError

from courses.models import Lecture, authorable_lecture_kinds
from teaching.services import lecture_create, lecture_update
from tests.factories import CourseFactory, LectureFactory, ModuleFactory

pytestmark = pytest.mark.django_db


def test_forms_offer_text_and_video_only():
    assert [value for value, _label in authorable_lecture_kinds()] == ["text", "video"]
    assert "quiz" in [value for value, _label in authorable_lecture_kinds("quiz")]


def test_the_workspace_refuses_a_posted_quiz_kind(client, instructor):
    course = CourseFactory()
    course.instructors.add(instructor)
    module = ModuleFactory(course=course)
    client.force_login(instructor)
    url = f"/teach/{course.slug}/modules/{module.pk}/lectures/new/"
    assert 'value="quiz"' not in client.get(url).content.decode()
    response = client.post(url, {"module": module.pk, "title": "Q", "kind": "quiz"})
    assert response.status_code == 400  # the form again, with its errors
    assert "Select a valid choice" in response.content.decode()
    assert not Lecture.objects.filter(title="Q").exists()


def test_the_admin_offers_no_quiz_kind_for_a_new_lecture(admin_client):
    html = admin_client.get("/admin/courses/lecture/add/").content.decode()
    assert 'value="quiz"' not in html
    quiz = LectureFactory(kind=Lecture.Kind.QUIZ)
    html = admin_client.get(f"/admin/courses/lecture/{quiz.pk}/change/").content.decode()
    assert 'value="quiz" selected' in html


def test_the_module_admin_offers_no_quiz_kind_for_its_lectures(admin_client):
    module = ModuleFactory(course=CourseFactory())
    LectureFactory(module=module, kind=Lecture.Kind.TEXT)
    html = admin_client.get(f"/admin/courses/module/{module.pk}/change/").content.decode()
    assert 'value="video"' in html
    assert 'value="quiz"' not in html


def test_the_service_refuses_to_make_a_quiz_lecture(instructor):
    course = CourseFactory()
    course.instructors.add(instructor)
    module = ModuleFactory(course=course)
    with pytest.raises(ValidationError):
        lecture_create(actor=instructor, module=module, title="Q", kind=Lecture.Kind.QUIZ)
    text = LectureFactory(module=module, kind=Lecture.Kind.TEXT)
    with pytest.raises(ValidationError):
        lecture_update(
            actor=instructor,
            lecture=text,
            module=module,
            title="Q",
            kind=Lecture.Kind.QUIZ,
            body="",
            duration_seconds=0,
            is_free_preview=False,
            is_published=False,
        )
    assert not Lecture.objects.filter(kind=Lecture.Kind.QUIZ).exists()

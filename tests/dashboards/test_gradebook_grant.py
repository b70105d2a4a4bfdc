"""Granting one more attempt from the gradebook, and every refusal on its own."""

import pytest

from assessment.models import ExtraAttempt
from assessment.services import attempt_start
from tests.assessment.conftest import NOW
from tests.dashboards.test_gradebook import make_school, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(db):
    return make_school()


def grant_url(school, quiz=None):
    quiz = quiz or school.first
    return url(school.course, f"quizzes/{quiz.lecture_id}/grant/")


def grants():
    return list(
        ExtraAttempt.objects.order_by("pk").values_list("student_id", "quiz_id", "granted_by_id")
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_an_instructor_gives_a_student_one_more_attempt(client, school):
    client.force_login(school.instructor)
    before = grants()
    # Bob used both attempts; the gradebook offers him one more.
    html = client.get(url(school.course)).content.decode()
    assert f'action="{grant_url(school)}"' in html
    assert f'name="student" value="{school.bob.pk}"' in html

    response = client.post(
        grant_url(school),
        {"student": school.bob.pk, "next": url(school.course, "?q=bo")},
        follow=True,
    )

    assert response.redirect_chain == [(url(school.course, "?q=bo"), 302)]
    assert grants() == [*before, (school.bob.pk, school.first.pk, school.instructor.pk)]
    assert messages_of(response) == ["Bob Brown has one more attempt at “Warm-up quiz”."]
    assert "2 of 3 attempts (1 extra)" in response.content.decode()
    # The grant is real: Bob, whose open attempt ends, may start again.
    attempt_start(student=school.bob, quiz=school.first, now=NOW)


def test_an_admin_may_grant(client, school):
    client.force_login(school.admin)
    client.post(grant_url(school), {"student": school.erin.pk})
    assert ExtraAttempt.objects.filter(student=school.erin, granted_by=school.admin).count() == 1


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/teach/", "//evil.example/", "/teach/other/gradebook/", "/learn/", ""],
)
def test_it_only_goes_back_to_this_gradebook(client, school, target):
    client.force_login(school.instructor)
    response = client.post(grant_url(school), {"student": school.erin.pk, "next": target})
    assert response.status_code == 302
    assert response["Location"] == url(school.course)


def test_anonymous_visitors_cannot_grant(client, school):
    before = grants()
    response = client.post(grant_url(school), {"student": school.bob.pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert grants() == before


@pytest.mark.parametrize("who", ["alice", "other_instructor"])
def test_students_and_other_instructors_cannot_grant(client, school, who):
    before = grants()
    client.force_login(getattr(school, who))
    response = client.post(grant_url(school), {"student": school.bob.pk})
    assert response.status_code == 404
    assert grants() == before


def test_a_lecture_id_beyond_any_column_is_not_found(client, school):
    # Once an OverflowError (a 500) on SQLite, where the id was looked up as a foreign key.
    client.force_login(school.instructor)
    huge = 2**64
    assert client.get(url(school.course, f"quizzes/{huge}/")).status_code == 404
    response = client.post(url(school.course, f"quizzes/{huge}/grant/"), {"student": school.bob.pk})
    assert response.status_code == 404


def test_a_quiz_of_another_course_cannot_be_granted_through_this_one(client, school):
    before = grants()
    client.force_login(school.instructor)
    response = client.post(grant_url(school, school.other_quiz), {"student": school.bob.pk})
    assert response.status_code == 404
    text_lecture = url(school.course, f"quizzes/{school.text_lecture.pk}/grant/")
    assert client.post(text_lecture, {"student": school.bob.pk}).status_code == 404
    assert grants() == before


@pytest.mark.parametrize("who", ["outsider", "carol", "instructor"])
def test_only_a_student_enrolled_now_can_be_granted(client, school, who):
    # The outsider never enrolled, Carol was refunded, the instructor is no student.
    before = grants()
    client.force_login(school.instructor)
    response = client.post(grant_url(school), {"student": getattr(school, who).pk}, follow=True)
    assert response.redirect_chain == [(url(school.course), 302)]
    assert messages_of(response) == [
        "Only a student enrolled in the course can be given more attempts."
    ]
    assert grants() == before


def test_a_quiz_without_a_limit_needs_no_grant(client, school):
    before = grants()
    client.force_login(school.instructor)
    html = client.get(url(school.course)).content.decode()
    assert f'action="{grant_url(school, school.second)}"' not in html
    response = client.post(
        grant_url(school, school.second), {"student": school.alice.pk}, follow=True
    )
    assert messages_of(response) == ["This quiz allows unlimited attempts already."]
    assert grants() == before


@pytest.mark.parametrize("data", [{}, {"student": "bob"}, {"student": "-3"}, {"student": "9" * 30}])
def test_bad_input_is_refused_with_a_message(client, school, data):
    before = grants()
    client.force_login(school.instructor)
    response = client.post(grant_url(school), data, follow=True)
    assert response.status_code == 200
    assert len(messages_of(response)) == 1
    assert grants() == before


def test_granting_takes_a_post(client, school):
    client.force_login(school.instructor)
    assert client.get(grant_url(school), {"student": school.bob.pk}).status_code == 405

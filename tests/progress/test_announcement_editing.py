"""A course's managers correct or take down an announcement from the workspace."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from progress.models import Announcement
from progress.services import (
    announcement_delete,
    announcement_deliver_batch,
    announcement_update,
)
from tests.factories import AdminFactory, CourseFactory, InstructorFactory, StudentFactory

pytestmark = pytest.mark.django_db


def edit_url(announcement):
    return reverse("teach:announcement_edit", args=[announcement.course.slug, announcement.pk])


def delete_url(announcement):
    return reverse("teach:announcement_delete", args=[announcement.course.slug, announcement.pk])


def workspace_url(course):
    return reverse("teach:announcements", args=[course.slug])


def learner_urls(course):
    return [
        reverse("progress:announcements", args=[course.slug]),
        reverse("progress:announcements_latest", args=[course.slug]),
    ]


@pytest.fixture
def posted(course, instructor):
    return Announcement.objects.create(
        course=course, author=instructor, title="Exam on Friday", body="Room **12**."
    )


@pytest.fixture
def manager_client(client, instructor):
    client.force_login(instructor)
    return client


def test_the_workspace_offers_to_edit_and_delete_each(manager_client, course, posted):
    html = manager_client.get(workspace_url(course)).content.decode()
    assert f'href="{edit_url(posted)}"' in html
    assert f'href="{delete_url(posted)}"' in html


def test_the_learners_page_offers_neither(student_client, enrollment, course, posted):
    html = student_client.get(learner_urls(course)[0]).content.decode()
    assert edit_url(posted) not in html and delete_url(posted) not in html


def test_the_form_starts_from_what_was_posted(manager_client, course, posted):
    response = manager_client.get(edit_url(posted))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Exam on Friday"' in html and "Room **12**." in html
    assert f'<a href="{workspace_url(course)}">Announcements</a>' in html  # the way back


def test_a_correction_shows_to_students_at_once_marked_as_edited(
    manager_client, student, enrollment, course, posted, committed
):
    student_client = Client()  # `client` is the manager's
    student_client.force_login(student)
    for url in learner_urls(course):  # both read, the side's headlines cached
        assert "Exam on Friday" in student_client.get(url).content.decode()

    with committed():
        response = manager_client.post(
            edit_url(posted), {"title": "Exam on Monday", "body": "Room **14**."}
        )
    assert response.status_code == 302 and response["Location"] == workspace_url(course)
    posted.refresh_from_db()
    assert (posted.title, posted.body) == ("Exam on Monday", "Room **14**.")
    assert posted.edited_at is not None

    page, side = (student_client.get(url).content.decode() for url in learner_urls(course))
    assert "Exam on Monday" in page and "<strong>14</strong>" in page and "Edited" in page
    assert "Exam on Monday" in side and "Exam on Friday" not in side


def test_saving_it_unchanged_does_not_mark_it_edited(manager_client, posted):
    response = manager_client.post(
        edit_url(posted), {"title": posted.title, "body": f"  {posted.body}\n"}
    )
    assert response.status_code == 302
    posted.refresh_from_db()
    assert posted.edited_at is None


def test_a_correction_notifies_no_one_again(manager_client, student, enrollment, posted, committed):
    assert announcement_deliver_batch(announcement_id=posted.pk, after=0) == 1
    posted.refresh_from_db()
    delivery = (posted.delivered_up_to, posted.delivered_count, posted.delivered_at)
    notified = Notification.objects.filter(recipient=student).count()
    with committed():  # tasks a commit would enqueue run here (the immediate backend)
        manager_client.post(edit_url(posted), {"title": "Exam on Monday", "body": "Room 14."})
    posted.refresh_from_db()
    assert posted.title == "Exam on Monday"
    assert (posted.delivered_up_to, posted.delivered_count, posted.delivered_at) == delivery
    assert Notification.objects.filter(recipient=student).count() == notified


def test_the_edit_form_says_no_one_is_notified_again(manager_client, posted):
    html = manager_client.get(edit_url(posted)).content.decode()
    assert "No one is notified again" in html
    assert "Every enrolled student is notified" not in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "body": "Text"}, "title"),
        ({"title": "   ", "body": "Text"}, "title"),
        ({"title": "Title", "body": ""}, "body"),
        ({"title": "Title", "body": "x" * 10_001}, "body"),
        ({"title": "x" * 201, "body": "Text"}, "title"),
    ],
)
def test_bad_input_is_sent_back_with_the_error(manager_client, posted, data, field):
    response = manager_client.post(edit_url(posted), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    posted.refresh_from_db()
    assert posted.title == "Exam on Friday" and posted.edited_at is None


def test_deleting_asks_first(manager_client, posted):
    response = manager_client.get(delete_url(posted))
    assert response.status_code == 200
    assert "Delete “Exam on Friday”?" in response.content.decode()
    assert Announcement.objects.filter(pk=posted.pk).exists()


def test_a_deleted_announcement_leaves_the_students_pages(
    manager_client, student, enrollment, course, posted, committed
):
    student_client = Client()  # `client` is the manager's
    student_client.force_login(student)
    for url in learner_urls(course):
        assert "Exam on Friday" in student_client.get(url).content.decode()
    with committed():
        response = manager_client.post(delete_url(posted))
    assert response.status_code == 302 and response["Location"] == workspace_url(course)
    assert not Announcement.objects.filter(pk=posted.pk).exists()
    for url in learner_urls(course):
        assert "Exam on Friday" not in student_client.get(url).content.decode()


def test_a_deleted_announcement_stops_its_fan_out(posted, instructor, student, enrollment):
    announcement_delete(actor=instructor, announcement=posted)
    assert announcement_deliver_batch(announcement_id=posted.pk, after=0) == 0
    assert not Notification.objects.filter(recipient=student).exists()


def test_an_admin_may_edit_and_delete(client, posted):
    client.force_login(AdminFactory())
    response = client.post(edit_url(posted), {"title": "By the office", "body": "Text"})
    assert response.status_code == 302
    assert client.post(delete_url(posted)).status_code == 302
    assert not Announcement.objects.filter(pk=posted.pk).exists()


@pytest.mark.parametrize("who", ["other_instructor", "enrolled_student"])
def test_no_one_else_may_edit_or_delete(client, posted, enrollment, student, who):
    user = InstructorFactory() if who == "other_instructor" else student
    client.force_login(user)
    assert client.get(edit_url(posted)).status_code == 404
    assert client.post(edit_url(posted), {"title": "Hacked", "body": "x"}).status_code == 404
    assert client.get(delete_url(posted)).status_code == 404
    assert client.post(delete_url(posted)).status_code == 404
    posted.refresh_from_db()
    assert posted.title == "Exam on Friday"


def test_anonymous_visitors_go_to_the_login_page(client, posted):
    for url in (edit_url(posted), delete_url(posted)):
        response = client.post(url, {"title": "Hacked", "body": "x"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Announcement.objects.filter(pk=posted.pk, title="Exam on Friday").exists()


def test_another_courses_announcement_is_404_under_ones_own_course(manager_client, course, posted):
    elsewhere = Announcement.objects.create(course=CourseFactory(), title="Theirs", body="x")
    for name in ("teach:announcement_edit", "teach:announcement_delete"):
        url = reverse(name, args=[course.slug, elsewhere.pk])
        assert manager_client.post(url, {"title": "Mine now", "body": "x"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.title == "Theirs"


def test_the_services_check_the_actor_themselves(posted):
    # Behind the views' own lookup among the user's courses, the rule holds on its own.
    stranger = StudentFactory()
    with pytest.raises(PermissionDenied):
        announcement_update(actor=stranger, announcement=posted, title="Hacked", body="x")
    with pytest.raises(PermissionDenied):
        announcement_delete(actor=stranger, announcement=posted)
    posted.refresh_from_db()
    assert posted.title == "Exam on Friday"


def test_the_service_checks_the_text_itself(instructor, posted):
    # Behind the form's own checks, the rule holds for any caller.
    for title, body in (
        ("   ", "Text"),
        ("x" * 201, "Text"),
        ("Title", ""),
        ("Title", "x" * 10_001),
    ):
        with pytest.raises(ValidationError):
            announcement_update(actor=instructor, announcement=posted, title=title, body=body)
    posted.refresh_from_db()
    assert posted.title == "Exam on Friday" and posted.edited_at is None


def test_a_correction_to_one_deleted_meanwhile_is_404(manager_client, posted):
    # Deleted by another request after this one found it: the row goes just before the
    # UPDATE reaches the database.
    def delete_first(execute, sql, params, many, context):
        if sql.startswith('UPDATE "progress_announcement"'):
            Announcement.objects.filter(pk=posted.pk).delete()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(delete_first):
        response = manager_client.post(edit_url(posted), {"title": "Late", "body": "x"})
    assert response.status_code == 404
    assert not Announcement.objects.filter(pk=posted.pk).exists()

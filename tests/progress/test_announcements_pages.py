"""Past announcements where students learn: the course's list and the player's side."""

import re

import pytest
from django.urls import reverse

from courses.models import Course
from progress.models import Announcement
from progress.services import announcement_post, enrollment_revoke
from tests.factories import (
    AdminFactory,
    CourseFactory,
    InstructorFactory,
    StudentFactory,
)
from tests.progress.conftest import player_url

pytestmark = pytest.mark.django_db


def list_url(course):
    return reverse("progress:announcements", args=[course.slug])


def latest_url(course):
    return reverse("progress:announcements_latest", args=[course.slug])


def announce(course, author, title, body="Some news."):
    return Announcement.objects.create(course=course, author=author, title=title, body=body)


@pytest.fixture
def posted(course, instructor):
    return [announce(course, instructor, f"News {i}", f"Body **{i}**") for i in range(3)]


def test_an_enrolled_student_reads_them_newest_first(
    student_client, enrollment, course, instructor, posted
):
    response = student_client.get(list_url(course))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f"News {i}") for i in (2, 1, 0)]
    assert positions == sorted(positions)
    assert "<strong>1</strong>" in html
    assert f'id="announcement-{posted[0].pk}"' in html
    assert f"Posted by {instructor.display_name}" in html
    # A student is offered no posting.
    assert reverse("teach:announcements", args=[course.slug]) not in html


def test_their_markdown_is_sanitised_and_headings_stay_under_the_title(
    student_client, enrollment, course, instructor
):
    announce(course, instructor, "<i>Hi</i>", "# Big\n\n<script>alert(1)</script>\n\n## Small")
    html = student_client.get(list_url(course)).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "&lt;i&gt;Hi&lt;/i&gt;" in html
    assert "<h3>Big</h3>" in html and "<h4>Small</h4>" in html
    assert len(re.findall(r"<h1[ >]", html)) == 1


def test_the_list_is_paged(student_client, enrollment, course, instructor):
    for i in range(12):
        announce(course, instructor, f"Item {i:02d}")
    first = student_client.get(list_url(course)).content.decode()
    assert "Item 11" in first and "Item 02" in first and "Item 01" not in first
    second = student_client.get(list_url(course) + "?page=2").content.decode()
    assert "Item 01" in second and "Item 00" in second and "Item 02" not in second


def test_an_empty_list_says_so(student_client, enrollment, course):
    assert "No announcements yet" in student_client.get(list_url(course)).content.decode()


@pytest.mark.parametrize("count", [1, 10])
def test_the_list_query_budget_does_not_grow(
    student_client, enrollment, course, instructor, count, django_assert_max_num_queries
):
    for i in range(count):
        announce(course, instructor, f"Item {i}")
    # session, user, course, outline rows, enrollment, completions, the page's count and rows
    # (authors joined), the header's unread count.
    with django_assert_max_num_queries(9):
        response = student_client.get(list_url(course))
    assert response.content.decode().count('class="card stack announcement"') == count


def test_a_manager_reads_them_and_is_offered_posting(client, instructor, course, posted):
    client.force_login(instructor)
    html = client.get(list_url(course)).content.decode()
    assert "News 2" in html
    assert reverse("teach:announcements", args=[course.slug]) in html
    client.force_login(AdminFactory())
    assert "News 2" in client.get(list_url(course)).content.decode()


def test_a_student_who_is_not_enrolled_is_sent_to_the_course_page(student_client, course, posted):
    response = student_client.get(list_url(course))
    assert response.status_code == 302 and response["Location"] == course.get_absolute_url()
    assert student_client.get(latest_url(course)).status_code == 403


def test_a_revoked_student_no_longer_reads_them(student_client, enrollment, course, posted):
    enrollment_revoke(enrollment=enrollment)
    assert student_client.get(list_url(course)).status_code == 302
    assert student_client.get(latest_url(course)).status_code == 403


def test_another_instructor_does_not_read_them(client, course, posted):
    client.force_login(InstructorFactory())
    assert client.get(list_url(course)).status_code == 302
    assert client.get(latest_url(course)).status_code == 403


def test_anonymous_users_go_to_the_login_page(client, course, posted):
    for url in (list_url(course), latest_url(course)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_draft_course_is_404_for_its_students(student_client, enrollment, course, posted):
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    assert student_client.get(list_url(course)).status_code == 404
    assert student_client.get(latest_url(course)).status_code == 404


def test_another_courses_announcements_are_not_listed(student_client, enrollment, course):
    other = CourseFactory()
    announce(other, AdminFactory(), "Elsewhere")
    assert "Elsewhere" not in student_client.get(list_url(course)).content.decode()
    assert "Elsewhere" not in student_client.get(latest_url(course)).content.decode()


# --- The player's side -----------------------------------------------------------------------


def test_the_player_offers_the_announcements_to_students_and_managers(
    client, student, enrollment, course, lectures, instructor
):
    for user in (student, instructor, AdminFactory()):
        client.force_login(user)
        html = client.get(player_url(course, lectures[0])).content.decode()
        assert f'hx-get="{latest_url(course)}"' in html
        # Without JavaScript, a link to them all.
        assert f'href="{list_url(course)}"' in html


def test_the_player_of_a_free_preview_offers_visitors_no_announcements(
    client, course, lectures, posted
):
    preview = lectures[-1]
    assert preview.is_free_preview
    html = client.get(player_url(course, preview)).content.decode()
    assert latest_url(course) not in html and list_url(course) not in html
    client.force_login(StudentFactory())  # logged in, not enrolled
    html = client.get(player_url(course, preview)).content.decode()
    assert latest_url(course) not in html and list_url(course) not in html


def test_the_side_shows_the_three_newest(student_client, enrollment, course, instructor):
    items = [announce(course, instructor, f"Item {i}") for i in range(4)]
    html = student_client.get(latest_url(course)).content.decode()
    assert "Item 3" in html and "Item 1" in html and "Item 0" not in html
    assert f'href="{list_url(course)}#announcement-{items[3].pk}"' in html


def test_the_side_is_cached_until_the_course_posts_again(
    student_client,
    enrollment,
    course,
    instructor,
    committed,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    announce(course, instructor, "First")
    assert "First" in student_client.get(latest_url(course)).content.decode()
    # Warm: the session, the user, the course, its outline, the student's progress and the
    # newest announcements all come from the cache.
    with django_assert_num_queries(0):
        student_client.get(latest_url(course))
    with committed():
        announcement_post(actor=instructor, course=course, title="Second", body="More")
    with django_assert_max_num_queries(1):
        html = student_client.get(latest_url(course)).content.decode()
    assert "Second" in html and "First" in html


def test_the_fan_out_does_not_empty_the_cache(
    student_client, enrollment, course, instructor, committed, django_assert_num_queries
):
    announcement = announce(course, instructor, "First")
    student_client.get(latest_url(course))
    with committed():
        Announcement.objects.filter(pk=announcement.pk).update(delivered_count=5)
    with django_assert_num_queries(0):
        student_client.get(latest_url(course))


def test_the_side_of_a_course_without_any(student_client, enrollment, course):
    html = student_client.get(latest_url(course)).content.decode()
    assert "No announcements yet." in html


def test_the_player_query_budget_holds_with_announcements(
    student_client, enrollment, course, lectures, instructor, django_assert_max_num_queries
):
    announce(course, instructor, "News")
    # The same budget as without (tests/progress/test_my_learning.py): the side is fetched
    # on its own request.
    with django_assert_max_num_queries(10):
        response = student_client.get(player_url(course, lectures[0]))
    assert response.status_code == 200
    assert "News" not in response.content.decode()

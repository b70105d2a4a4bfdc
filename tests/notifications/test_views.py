import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification
from tests.factories import NotificationFactory, StudentFactory

pytestmark = pytest.mark.django_db
LIST = "/notifications/"


@pytest.fixture
def logged_in(client, student):
    client.force_login(student)
    return client


def test_list_is_paginated_newest_first_with_unread_marked(logged_in, student):
    for i in range(25):
        NotificationFactory(
            recipient=student,
            title=f"Note {i:02}",
            link=f"/learn/c{i}/",
            read_at=timezone.now() if i % 2 else None,
        )
    NotificationFactory(title="Someone else's")

    page1 = logged_in.get(LIST).content.decode()
    titles = [f"Note {i:02}" for i in range(24, -1, -1)]
    assert [t for t in titles if t in page1] == titles[:20]
    assert page1.index("Note 24") < page1.index("Note 23")
    assert 'href="/learn/c23/"' in page1  # read: a plain link
    # Note 24, 22, ..., 06 are unread on page 1: 10 of them.
    assert page1.count('class="notification is-unread"') == 10
    assert "Someone else" not in page1

    page2 = logged_in.get(LIST, {"page": 2}).content.decode()
    assert [t for t in titles if t in page2] == titles[20:]
    assert logged_in.get(LIST, {"page": "junk"}).status_code == 200


def test_empty_list_says_so(logged_in):
    assert "No notifications yet" in logged_in.get(LIST).content.decode()


def _queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return ctx.captured_queries


@pytest.mark.parametrize("count", [3, 45])
def test_list_query_budget_does_not_grow(logged_in, student, count, django_assert_max_num_queries):
    NotificationFactory.create_batch(count, recipient=student)
    with django_assert_max_num_queries(5):
        logged_in.get(LIST)


def test_header_badge_costs_one_count_query(logged_in, student):
    NotificationFactory.create_batch(3, recipient=student)
    NotificationFactory(recipient=student, read_at=timezone.now())
    queries = _queries_for(logged_in, "/")
    badge = [q for q in queries if "notifications_notification" in q["sql"]]
    assert len(badge) == 1
    assert "COUNT" in badge[0]["sql"].upper()
    html = logged_in.get("/").content.decode()
    assert 'data-unread-count aria-hidden="true">3<' in html
    assert "3 unread" in html


def test_badge_is_hidden_when_nothing_is_unread(logged_in):
    html = logged_in.get("/").content.decode()
    assert 'class="badge is-empty"' in html


def test_mark_read_goes_to_the_notification_link(logged_in, student):
    note = NotificationFactory(recipient=student, link="/learn/python/")
    response = logged_in.post(f"/notifications/{note.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/learn/python/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_read_prefers_a_safe_next(logged_in, student):
    note = NotificationFactory(recipient=student, link="/learn/python/")
    response = logged_in.post(f"/notifications/{note.pk}/read/", {"next": "/notifications/?page=2"})
    assert response["Location"] == "/notifications/?page=2"
    response = logged_in.post(f"/notifications/{note.pk}/read/?next=/courses/")
    assert response["Location"] == "/courses/"


@pytest.mark.parametrize(
    "bad",
    [
        "https://evil.example/",
        "//evil.example/",
        "javascript:x",
        "abc",
        "0",
        "'",
        "courses:catalog",
    ],
)
def test_unsafe_next_or_link_falls_back(logged_in, student, bad):
    note = NotificationFactory(recipient=student, link="/learn/python/")
    response = logged_in.post(f"/notifications/{note.pk}/read/", {"next": bad})
    assert response["Location"] == "/learn/python/"
    # A row written around the service (admin, shell) with a foreign link goes to the list.
    foreign = NotificationFactory(recipient=student, link=bad)
    response = logged_in.post(f"/notifications/{foreign.pk}/read/")
    assert response["Location"] == LIST


def test_no_link_goes_back_to_the_list(logged_in, student):
    note = NotificationFactory(recipient=student)
    assert logged_in.post(f"/notifications/{note.pk}/read/")["Location"] == LIST


def test_another_users_notification_is_404_and_stays_unread(logged_in):
    theirs = NotificationFactory(recipient=StudentFactory())
    assert logged_in.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert logged_in.post("/notifications/999999/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_mine(logged_in, student):
    mine = NotificationFactory.create_batch(3, recipient=student)
    theirs = NotificationFactory()
    response = logged_in.post("/notifications/read-all/", follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "All notifications are marked as read." in response.content.decode()
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_users_are_sent_to_login(client):
    note = NotificationFactory()
    for url in (LIST, f"/notifications/{note.pk}/read/", "/notifications/read-all/"):
        response = client.post(url) if url != LIST else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    note.refresh_from_db()
    assert note.read_at is None


def test_get_on_the_post_endpoints_is_405(logged_in, student):
    note = NotificationFactory(recipient=student)
    assert logged_in.get(f"/notifications/{note.pk}/read/").status_code == 405
    assert logged_in.get("/notifications/read-all/").status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_posts_need_a_csrf_token(student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    note = NotificationFactory(recipient=student)
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 403
    assert client.post("/notifications/read-all/").status_code == 403
    note.refresh_from_db()
    assert note.read_at is None


def test_titles_and_bodies_are_escaped(logged_in, student):
    NotificationFactory(recipient=student, title="<script>x()</script>", body="<b>hi</b>")
    html = logged_in.get(LIST).content.decode()
    assert "<script>x()" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "&lt;b&gt;hi&lt;/b&gt;" in html


def test_each_notification_offers_one_action(logged_in, student):
    unread_link = NotificationFactory(recipient=student, title="Open me", link="/learn/x/")
    unread_plain = NotificationFactory(recipient=student, title="Just news", link="")
    read_link = NotificationFactory(
        recipient=student, title="Seen", link="/learn/y/", read_at=timezone.now()
    )
    html = logged_in.get(LIST).content.decode()

    def row(notification):
        start = html.index(f'data-notification-id="{notification.pk}"')
        return html[start : html.index("</li>", start)]

    # Unread with a link: the title is the one button, which marks it read and opens it.
    assert row(unread_link).count("<form") == 1
    assert "Mark as read" not in row(unread_link)
    # Unread without a link: one "Mark as read".
    assert row(unread_plain).count("<form") == 1
    assert "Mark as read" in row(unread_plain)
    # Read: the title links to it, nothing to post.
    assert "<form" not in row(read_link)
    assert 'href="/learn/y/"' in row(read_link)


def test_the_bell_drop_down_shows_the_newest_five(logged_in, student):
    for i in range(7):
        NotificationFactory(recipient=student, title=f"Note {i}", link="")
    NotificationFactory(title="Someone else's")
    response = logged_in.get(
        "/notifications/latest/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/courses/?q=x"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert [f"Note {i}" in html for i in range(7)] == [False, False] + [True] * 5
    assert "Someone else" not in html
    # Marking one read from the drop-down comes back to the page it was opened on.
    assert 'name="next" value="/courses/?q=x"' in html


def test_the_bell_drop_down_sends_elsewhere_back_to_the_list(logged_in, student):
    NotificationFactory(recipient=student, title="Note", link="")
    html = logged_in.get(
        "/notifications/latest/",
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"},
    ).content.decode()
    assert 'name="next" value="/notifications/"' in html


@pytest.mark.parametrize("current", ["http://[", "http://[::1/x", "http://testserver:abc]/"])
def test_the_bell_drop_down_with_a_malformed_current_url_sends_back_to_the_list(
    logged_in, student, current
):
    """A malformed HX-Current-URL header is taken as no page: the drop-down still opens."""
    NotificationFactory(recipient=student, title="Note", link="")
    response = logged_in.get(
        "/notifications/latest/", headers={"HX-Request": "true", "HX-Current-URL": current}
    )
    assert response.status_code == 200
    assert 'name="next" value="/notifications/"' in response.content.decode()


def test_the_bell_opens_a_drop_down_that_works_without_script(logged_in):
    html = logged_in.get("/courses/").content.decode()
    header = html.split("</header>", 1)[0]
    assert '<details class="dropdown bell-menu">' in header
    assert 'hx-get="/notifications/latest/"' in header
    assert 'href="/notifications/"' in header  # "See all notifications", with or without htmx

"""Live notifications in Chromium: badge, toast and cross-tab sync without a reload.

One journey: the toast part needs Redis, since the live server is another process.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from notifications.models import Notification
from notifications.services import notify
from tests.browser import log_in_with_session
from tests.factories import NotificationFactory

pytestmark = pytest.mark.browser

BELL = "[data-notification-bell]"
TITLE = "<img src=x onerror=alert(1)> Python basics"


def open_live_page(page, path="/"):
    page.goto(path)
    # The script marks the bell once the server has sent the count on a fresh socket.
    page.locator(f"{BELL}[data-live=connected]").wait_for()


def notify_from_another_thread(**kwargs):
    # Playwright's sync API keeps an event loop in this thread, where async_to_sync refuses
    # to run; a request would do this in its own thread too.
    def work():
        try:
            return notify(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def test_live_badge_toast_and_cross_tab_sync(page, live_daphne, student):
    NotificationFactory.create_batch(2, recipient=student, link="/courses/")
    log_in_with_session(page, live_daphne, student)
    open_live_page(page)
    badge, label = page.locator("[data-unread-count]"), page.locator("[data-unread-label]")
    expect(badge).to_have_text("2")
    expect(label).to_have_text("2 unread")

    other_tab = page.context.new_page()
    other_errors = []
    other_tab.on("console", lambda m: m.type == "error" and other_errors.append(m.text))
    open_live_page(other_tab, "/notifications/")

    # The live server is another process: an event from this test reaches it only through a
    # shared Redis channel layer (CI's PostgreSQL + Redis run).
    if settings.REDIS_URL:
        notify_from_another_thread(
            recipient=student,
            kind=Notification.Kind.ENROLLED,
            title=TITLE,
            body="Start with lecture 1.",
            link="/courses/",
        )
        for tab in (page, other_tab):
            toast = tab.locator("[data-toasts] .toast")
            expect(toast).to_contain_text(TITLE)  # shown as text, never parsed as HTML
            expect(toast).to_contain_text("Start with lecture 1.")
            expect(toast.locator("img")).to_have_count(0)
            expect(toast.get_by_role("link", name="Open")).to_have_attribute("href", "/courses/")
            expect(tab.locator("[data-unread-count]")).to_have_text("3")
        expect(label).to_have_text("3 unread")
        toast = page.locator("[data-toasts] .toast")
        toast.get_by_role("button", name="Dismiss notification").click()
        expect(toast).to_have_count(0)

    other_tab.get_by_role("button", name="Mark all as read").click()
    expect(other_tab.get_by_text("All notifications are marked as read.")).to_be_visible()
    # The first tab was never reloaded.
    expect(badge).to_have_text("0")
    expect(badge).to_have_class("badge is-empty")
    expect(label).to_have_text("")
    assert page.console_errors == []
    assert other_errors == []


def test_a_tab_stops_listening_once_another_tab_logs_out(page, live_daphne, student):
    log_in_with_session(page, live_daphne, student)
    open_live_page(page)
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket))

    other_tab = page.context.new_page()
    open_live_page(other_tab, "/notifications/")
    other_tab.locator(".user-menu summary").click()
    other_tab.get_by_role("button", name="Log out").click()
    other_tab.wait_for_load_state()

    # The server closed the first tab's socket (4401): the script shows it and, the user
    # being logged out, opens no other.
    page.locator(f"{BELL}[data-live=closed]").wait_for()
    page.wait_for_timeout(2500)  # more than the first reconnect delay
    assert sockets == []
    assert page.locator(BELL).get_attribute("data-live") == "closed"
    assert page.console_errors == []


def test_a_socket_closed_over_what_the_tab_sent_reconnects_with_growing_delays(
    page, live_daphne, student
):
    # A server that welcomes each socket and then closes it as "too big" (4413): were the
    # welcome to reset the backoff, the tab would reconnect every second for good.
    log_in_with_session(page, live_daphne, student)
    opened = []

    def refusing_server(ws):
        opened.append(ws)
        ws.send('{"type": "unread_count", "unread_count": 0}')
        ws.close(code=4413)

    page.clock.install()
    page.route_web_socket(re.compile(r"/ws/notifications/$"), refusing_server)
    page.goto("/")
    # Ten seconds of the page's time, a tenth at a time, with real time for the socket's
    # events in between. Delays of 0.5-1 s, 1-2 s, 2-4 s, 4-8 s: at most four reconnections.
    for _ in range(100):
        page.clock.run_for(100)
        page.wait_for_timeout(30)
    assert 3 <= len(opened) <= 5

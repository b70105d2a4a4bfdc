"""Scale-out proof: two daphne processes share events through Redis.

A WebSocket is connected to the second server; an HTTP request served by the first causes
the event; the message must arrive on the second. Runs whenever Redis answers (REDIS_URL, or
127.0.0.1:6379), with a channel-layer prefix of its own so parallel runs never cross.
"""

import asyncio
import base64
import http.client
import json
import os
import struct
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from notifications.models import Notification
from tests.factories import CourseFactory, NotificationFactory, StudentFactory
from tests.redis_server import database_url, free_port

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
ARRIVAL_TIMEOUT = 15
IDLE_SECONDS = 7

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _request(port, method, path, *, cookies=None, form=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    headers = {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location"), response.getheader("Set-Cookie")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def two_servers(django_db_setup, tmp_path_factory):
    if not _redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_URL}: the scale-out test needs it")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "edusphere.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "CHANNEL_LAYER_PREFIX": f"scale-out-{uuid.uuid4().hex[:12]}",
        # A cache of their own, shared by the two: this run's test database reuses the ids
        # of users that earlier runs may have left cached in the same Redis.
        "CACHE_KEY_PREFIX": f"scale-out-{uuid.uuid4().hex[:12]}",
    }
    logs = tmp_path_factory.mktemp("daphne")
    servers = []
    for n in (1, 2):
        port = free_port()
        log = open(logs / f"daphne-{n}.log", "wb")  # noqa: SIM115 (closed below)
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
        process = subprocess.Popen(
            [*command, "edusphere.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        servers.append((port, process, log))
    try:
        deadline = time.monotonic() + 60
        for port, process, log in servers:
            while True:
                assert process.poll() is None, (logs / log.name).read_text()
                try:
                    if _request(port, "GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"daphne on {port} did not start"
                time.sleep(0.2)
        yield [port for port, _, _ in servers]
    finally:
        # Before the test database goes away: the servers hold connections to it.
        for _, process, log in servers:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _session_cookies(user, port) -> dict:
    client = Client()
    client.force_login(user)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    # Any page sets the CSRF cookie (base.html uses the token); its value is a valid token.
    _, _, set_cookie = _request(port, "GET", "/notifications/", cookies=cookies)
    cookies["csrftoken"] = SimpleCookie(set_cookie)["csrftoken"].value
    return cookies


async def _open_socket(port: int, sessionid: str):
    """A minimal WebSocket client (the handshake and unfragmented server frames are enough).

    autobahn's asyncio client cannot run here: importing daphne binds txaio to Twisted.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            "GET /ws/notifications/ HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\n"
            f"Cookie: sessionid={sessionid}\r\n\r\n"
        ).encode()
    )
    response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), ARRIVAL_TIMEOUT)
    assert response.startswith(b"HTTP/1.1 101"), response
    return reader, writer


async def _next_message(reader) -> dict:
    while True:
        head = await reader.readexactly(2)
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await reader.readexactly(8))
        payload = await reader.readexactly(length)  # server frames are never masked
        if opcode == 0x8:
            raise ConnectionError(f"socket closed: {payload[:2].hex()}")
        if opcode == 0x1:
            return json.loads(payload)
        # Pings and pongs: the server's keepalive pings come every 20 s; no need to answer.


def _run(port, cookies, cause, until, idle=0.0) -> list[dict]:
    """Connect to `port`, read the count sent on connect, idle, `cause()` the event, read until."""

    async def scenario():
        reader, writer = await _open_socket(port, cookies["sessionid"])
        try:
            received = [await asyncio.wait_for(_next_message(reader), ARRIVAL_TIMEOUT)]
            await asyncio.sleep(idle)
            await asyncio.to_thread(cause)
            while not until(received[-1]):
                received.append(await asyncio.wait_for(_next_message(reader), ARRIVAL_TIMEOUT))
            return received
        finally:
            writer.close()

    # In a thread of its own: Playwright's sync API may hold an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


def test_marking_read_on_server_one_updates_a_socket_on_server_two(two_servers):
    first, second = two_servers
    user = StudentFactory()
    note = NotificationFactory(recipient=user)
    NotificationFactory(recipient=user)
    cookies = _session_cookies(user, first)

    def cause():
        status, location, _ = _request(
            first,
            "POST",
            f"/notifications/{note.pk}/read/",
            cookies=cookies,
            form={"csrfmiddlewaretoken": cookies["csrftoken"]},
        )
        assert (status, location) == (302, "/notifications/")

    # Idle past the layer's 5 s blocking pop first: a socket must survive quiet periods.
    received = _run(
        second, cookies, cause, until=lambda m: m.get("unread_count") == 1, idle=IDLE_SECONDS
    )
    assert received[0] == {"type": "unread_count", "unread_count": 2}
    assert received[-1] == {"type": "unread_count", "unread_count": 1}


def test_enrolling_on_server_one_notifies_a_socket_on_server_two(two_servers):
    first, second = two_servers
    course = CourseFactory(title="Scaling Out")
    try:
        resolve(f"/courses/{course.slug}/enroll/")
    except Resolver404:
        pytest.skip("POST /courses/<slug>/enroll/ is not on this branch yet")
    user = StudentFactory()
    cookies = _session_cookies(user, first)

    def cause():
        status, _, _ = _request(
            first,
            "POST",
            f"/courses/{course.slug}/enroll/",
            cookies=cookies,
            form={"csrfmiddlewaretoken": cookies["csrftoken"]},
        )
        assert status in (302, 303)

    received = _run(second, cookies, cause, until=lambda m: m.get("type") == "notification")
    message = received[-1]
    assert message["unread_count"] == 1
    assert message["notification"]["kind"] == Notification.Kind.ENROLLED
    assert "Scaling Out" in message["notification"]["title"]

"""Frames the socket refuses, over a real daphne: the close code reaches the browser.

daphne (autobahn) lets an application close with 1000 or 3000-4999 only; a close with 1009
or 1003 from the consumer raised there and the socket ended as a server crash (1011). These
tests speak WebSocket over TCP to the live server, as a browser does.
"""

import base64
import os
import socket
import struct
from urllib.parse import urlsplit

import pytest
from django.test import Client

from notifications.consumers import CLOSE_TOO_BIG, CLOSE_UNSUPPORTED_DATA, MAX_MESSAGE_BYTES

pytestmark = pytest.mark.django_db(transaction=True)

TEXT, BINARY, CLOSE = 0x1, 0x2, 0x8
DAPHNE_MAX_FRAME_BYTES = 1024 * 1024  # daphne's default websocket_max_frame_size


class RawSocket:
    """A minimal WebSocket client (RFC 6455): a handshake, masked frames out, frames in."""

    def __init__(self, base_url: str, session_key: str):
        url = urlsplit(base_url)
        self.conn = socket.create_connection((url.hostname, url.port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET /ws/notifications/ HTTP/1.1\r\n"
            f"Host: {url.netloc}\r\n"
            f"Origin: {url.scheme}://{url.netloc}\r\n"
            f"Cookie: sessionid={session_key}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.conn.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._read()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def _read(self) -> bytes:
        chunk = self.conn.recv(65536)
        if not chunk:
            raise ConnectionError("closed without a close frame")
        return chunk

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.buffer += self._read()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    @staticmethod
    def frame_header(opcode: int, length: int) -> bytes:
        if length < 126:
            return bytes([0x80 | opcode, 0x80 | length])
        if length < 2**16:
            return bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", length)
        return bytes([0x80 | opcode, 0x80 | 127]) + struct.pack("!Q", length)

    def send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.conn.sendall(self.frame_header(opcode, len(payload)) + mask + masked)

    def receive(self) -> tuple[int, bytes]:
        first, second = self._take(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._take(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._take(8))
        return first & 0x0F, self._take(length)

    def close_code(self) -> int:
        """The code of the server's close frame (data frames before it are skipped)."""
        while True:
            opcode, payload = self.receive()
            if opcode == CLOSE:
                return struct.unpack("!H", payload[:2])[0]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.close()


@pytest.fixture
def session_key(student):
    client = Client()
    client.force_login(student)
    return client.cookies["sessionid"].value


def opened(live_daphne, session_key) -> RawSocket:
    raw = RawSocket(live_daphne, session_key)
    opcode, payload = raw.receive()
    assert (opcode, b"unread_count" in payload) == (TEXT, True), payload
    return raw


def test_a_binary_frame_closes_with_4415(live_daphne, session_key):
    with opened(live_daphne, session_key) as raw:
        raw.send(BINARY, b'{"type": "ping"}')
        assert raw.close_code() == CLOSE_UNSUPPORTED_DATA == 4415


def test_a_text_message_over_the_limit_closes_with_4413(live_daphne, session_key):
    with opened(live_daphne, session_key) as raw:
        raw.send(TEXT, b'{"type": "ping", "pad": "' + b"x" * MAX_MESSAGE_BYTES + b'"}')
        assert raw.close_code() == CLOSE_TOO_BIG == 4413


def test_a_frame_beyond_daphnes_own_limit_ends_that_socket_only(live_daphne, session_key):
    # daphne refuses it itself, from the frame's header, before the application sees a
    # byte: autobahn sends the protocol's own 1009 and drops the connection at once, so the
    # client may get the close frame or only the reset (a browser reports 1006). Either
    # way that socket alone ends, never as a crash (1011); the server goes on serving.
    with opened(live_daphne, session_key) as raw:
        raw.conn.sendall(RawSocket.frame_header(TEXT, DAPHNE_MAX_FRAME_BYTES + 1) + os.urandom(4))
        try:
            code = raw.close_code()
        except ConnectionError:
            code = None  # dropped
        assert code in (1009, None)
    with opened(live_daphne, session_key) as raw:
        raw.send(TEXT, b'{"type": "ping"}')
        assert raw.receive() == (TEXT, b'{"type": "pong"}')

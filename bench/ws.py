"""A minimal asyncio WebSocket client (RFC 6455): enough to hold many sockets and time events.

No client library is in the lock (daphne brings only server-side autobahn), and the bench
needs a thousand cheap sockets on one event loop, so this speaks the protocol directly:
handshake, unmasked server frames, masked client frames, ping -> pong, close.
"""

import asyncio
import base64
import hashlib
import json
import os
import struct
import time

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class HandshakeError(Exception):
    pass


def _mask(payload: bytes, key: bytes) -> bytes:
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        len(payload), "big"
    )


def _frame(opcode: int, payload: bytes = b"") -> bytes:
    key = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return header + key + (_mask(payload, key) if payload else b"")


class Socket:
    """One client socket; `messages` collects (arrival time, decoded JSON) of text frames."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.messages: list[tuple[float, dict]] = []
        self.closed = False
        self.close_reason = ""  # why the socket closed, for the report
        self.arrived = asyncio.Event()
        self._task = asyncio.create_task(self._read_loop())

    @classmethod
    async def connect(cls, port: int, path: str, cookie: str, timeout: float = 30) -> "Socket":
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        key = base64.b64encode(os.urandom(16))
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key.decode()}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n"
                f"Cookie: {cookie}\r\n\r\n"
            ).encode()
        )
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            writer.close()
            raise HandshakeError("connection closed during the handshake") from exc
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode()  # noqa: S324
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (h.partition(":") for h in header_lines if h)
        }
        if " 101 " not in status_line + " " or headers.get("sec-websocket-accept") != accept:
            writer.close()
            raise HandshakeError(status_line)
        return cls(reader, writer)

    async def _read_loop(self) -> None:
        fragments = b""
        try:
            while True:
                first, second = await self.reader.readexactly(2)
                opcode, length = first & 0x0F, second & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await self.reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
                key = await self.reader.readexactly(4) if second & 0x80 else b""
                payload = await self.reader.readexactly(length)
                if key:
                    payload = _mask(payload, key)
                if opcode == PING:
                    self.writer.write(_frame(PONG, payload))
                elif opcode == CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                    self.close_reason = f"server closed the socket (code {code})"
                    self.writer.write(_frame(CLOSE, payload[:2]))
                    break
                elif opcode in (TEXT, 0x0):
                    fragments += payload
                    if first & 0x80:
                        self.messages.append((time.time(), json.loads(fragments)))
                        fragments = b""
                        self.arrived.set()
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError) as exc:
            self.close_reason = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            self.closed = True
            self.arrived.set()
            self.writer.close()

    async def close(self) -> None:
        if not self.closed:
            try:
                self.writer.write(_frame(CLOSE, struct.pack("!H", 1000)))
                await asyncio.wait_for(self._task, 2)
            except (TimeoutError, ConnectionError, OSError):
                self._task.cancel()
        self.writer.close()


async def open_many(
    port: int, path: str, cookies: list[str], cookie_name: str, parallel: int = 50
) -> tuple[list[Socket | None], list[str]]:
    """Open one socket per cookie, `parallel` handshakes at a time.

    Returns the sockets in the order of `cookies` (None where the handshake failed) and the
    errors seen.
    """
    gate = asyncio.Semaphore(parallel)
    errors: list[str] = []

    async def one(cookie: str) -> Socket | None:
        async with gate:
            try:
                return await Socket.connect(port, path, f"{cookie_name}={cookie}")
            except (HandshakeError, OSError, TimeoutError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                return None

    return list(await asyncio.gather(*(one(c) for c in cookies))), errors

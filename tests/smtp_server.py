"""A real SMTP server of a test's own (aiosmtpd) on a free port of 127.0.0.1.

The site sends to it through the SMTP backend, as in production, and what arrives is parsed
(`email.message.EmailMessage`) for tests to read. A message counts as delivered only once
the server has answered 250 to it, as a real server's delivery does. Tests can make it
refuse (`refuse_next`), hold its answer (`hold`), or stop it.
"""

import email
import email.policy
import threading
import time
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from tests.redis_server import free_port


@dataclass
class Handler:
    messages: list = field(default_factory=list)
    refusals: list = field(default_factory=list)  # SMTP replies to give instead of 250
    hold_seconds: float = 0.0
    received: int = 0  # messages whose data arrived, answered or not
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        with self.lock:
            self.received += 1
            refusal = self.refusals.pop(0) if self.refusals else None
        if refusal:
            return refusal
        if self.hold_seconds:
            await asyncio.sleep(self.hold_seconds)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list:
        with self.handler.lock:
            return list(self.handler.messages)

    def start(self) -> "SMTPServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.messages.clear()
            self.handler.refusals.clear()
            self.handler.received = 0
        self.handler.hold_seconds = 0.0

    def refuse_next(self, reply: str = "451 Try again later", times: int = 1) -> None:
        with self.handler.lock:
            self.handler.refusals.extend([reply] * times)

    def hold(self, seconds: float) -> None:
        self.handler.hold_seconds = seconds

    @property
    def received(self) -> int:
        """Messages whose data arrived, including those not answered (yet)."""
        with self.handler.lock:
            return self.handler.received

    def wait_for(self, count: int, timeout: float = 30.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.02)
        raise AssertionError(f"expected {count} emails, got {len(self.messages)}")

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m.envelope_to]


def email_settings(url: str) -> dict:
    """The settings EMAIL_URL=`url` gives (the same parser as edusphere/settings.py)."""
    import environ

    config = environ.Env.email_url_config(url)
    return {name: value for name, value in config.items() if name.startswith("EMAIL_")}


@pytest.fixture(scope="session")
def smtp_session_server():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(smtp_session_server, settings):
    """The site sends email through SMTP to a fresh inbox on a local server."""
    smtp_session_server.clear()
    for name, value in email_settings(smtp_session_server.url).items():
        setattr(settings, name, value)
    settings.EMAIL_TIMEOUT = 5
    yield smtp_session_server
    smtp_session_server.clear()

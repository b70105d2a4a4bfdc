"""A redis-server of a test's own, on a free port of 127.0.0.1, to stop, pause or kill.

Fault tests need a Redis they may break; the machine's shared one (6379) serves everything
else and is never touched. Nothing is persisted (`--save "" --appendonly no`), so a restart
comes back empty, as a Redis that lost its data would.
"""

import os
import runpy
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SETTINGS = Path(__file__).resolve().parents[1] / "edusphere" / "settings.py"
REDIS_SERVER = "/usr/bin/redis-server"
SHARED_PORT = 6379
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port != SHARED_PORT:
            return port


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process; `restart()` brings it back on the same port."""

    def __init__(self, binary: str = REDIS_SERVER):
        self.binary = binary
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self.paused = False
        self.dir = tempfile.mkdtemp(prefix="redis-test-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> "RedisServer":
        if self.running:
            return self
        # A port found free may be taken before redis binds it: try another (unless this is
        # a restart, which must keep its port).
        attempts = 1 if self.port else 5
        for _attempt in range(attempts):
            port = self.port or free_port()
            if self._launch(port):
                self.port = port
                return self
        raise RuntimeError(f"redis-server did not start; see {self.dir}/redis.log")

    def _launch(self, port: int) -> bool:
        assert port != SHARED_PORT, "never the machine's shared Redis"
        with open(os.path.join(self.dir, "redis.log"), "ab") as log:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    self.dir,
                    "--daemonize",
                    "no",
                    "--loglevel",
                    "warning",
                ],  # fmt: skip
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.paused = False
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                return False  # the port was taken, most likely
            if _answers(port):
                return True
            time.sleep(0.02)
        self.kill()
        return False

    def _signal(self, signum: int) -> None:
        if self.running:
            self.process.send_signal(signum)

    def pause(self) -> None:
        """SIGSTOP: connections are accepted by the kernel, and nothing answers."""
        self._signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        self._signal(signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        """SIGTERM, and wait for the process to exit."""
        if not self.running:
            self.process = None
            return
        if self.paused:
            self.resume()  # a stopped process handles SIGTERM only once continued
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: gone at once, connections reset."""
        if self.running:
            self.process.kill()
            self.process.wait()
        self.process = None
        self.paused = False

    def restart(self) -> None:
        """Stop (if running) and start again on the same port, with no data."""
        self.stop()
        self.start()

    def flushall(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.flushall()
        finally:
            client.close()

    def close(self) -> None:
        """Resume, stop and remove the working directory."""
        self.resume()
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def settings_with_redis(url: str) -> dict:
    """The settings module executed afresh as a process with REDIS_URL=`url` sees it: its
    CACHES and CHANNEL_LAYERS are the production ones (timeouts included)."""
    saved = os.environ.get("REDIS_URL")
    os.environ["REDIS_URL"] = url
    try:
        return runpy.run_path(str(SETTINGS))
    finally:
        if saved is None:
            del os.environ["REDIS_URL"]
        else:
            os.environ["REDIS_URL"] = saved


@pytest.fixture
def redis_server():
    """A started RedisServer of this test's own; always resumed and stopped afterwards."""
    binary = REDIS_SERVER if os.access(REDIS_SERVER, os.X_OK) else shutil.which("redis-server")
    if binary is None:
        pytest.skip(f"redis-server is not installed ({REDIS_SERVER})")
    server = RedisServer(binary)
    try:
        server.start()
        yield server
    finally:
        server.close()


def database_url() -> str:
    """The test database as a DATABASE_URL, for server processes the tests start."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

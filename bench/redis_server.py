"""A redis-server of the bench's own, on a free port of 127.0.0.1, for the whole run.

The fault row pauses it with SIGSTOP, so it must be a Redis nothing else uses: the
machine's shared one (6379) serves other work and is never touched. Nothing is persisted
(`--save "" --appendonly no`): the bench's entries are worthless once the run ends.
"""

import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

SHARED_PORT = 6379
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    def __init__(self, binary: str, directory: Path):
        self.binary = binary
        self.dir = directory
        self.log_path = directory / "redis.log"
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, free_port: Callable[[], int]) -> "RedisServer":
        self.dir.mkdir(parents=True, exist_ok=True)
        # A port found free may be taken before redis binds it: then try another.
        for _attempt in range(5):
            port = free_port()
            if port != SHARED_PORT and self._launch(port):
                self.port = port
                return self
        raise RuntimeError(f"redis-server did not start:\n{self._log_tail()}")

    def _launch(self, port: int) -> bool:
        with self.log_path.open("ab") as log:
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
                    str(self.dir),
                    "--daemonize",
                    "no",
                    "--loglevel",
                    "warning",
                ],  # fmt: skip
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                return False  # most likely the port was taken
            if _answers(port):
                return True
            time.sleep(0.05)
        self.stop()
        return False

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text()[-2000:]
        except OSError:
            return ""

    def pause(self) -> None:
        """SIGSTOP: the kernel still accepts connections, and nothing answers."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)
            self.paused = True
            # The signal is delivered asynchronously: return once the kernel says stopped.
            deadline = time.monotonic() + 2
            while self.state() not in ("T", "t", "") and time.monotonic() < deadline:
                time.sleep(0.01)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
        self.paused = False

    def state(self) -> str:
        """The process state the kernel reports ("T" once stopped), "" if unknown."""
        if self.process is None:
            return ""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return ""
        return stat.rsplit(")", 1)[1].split()[0]  # the field after the command name

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.resume()  # a stopped process acts on SIGTERM only once continued
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

"""Real background-task workers for tests: `manage.py db_worker` processes on the test
database, the database task backend production uses, sending through a test SMTP server."""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
}


def database_url_under_test() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


class Worker:
    def __init__(self, *, email_url: str, extra_env: dict | None = None):
        env = {
            **os.environ,
            "DATABASE_URL": database_url_under_test(),
            "EMAIL_URL": email_url,
            "TASKS_BACKEND": DATABASE_TASKS["default"]["BACKEND"],
            "DEBUG": "False",
            "SECRET_KEY": "worker-test-secret-key-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            **(extra_env or {}),
        }
        env.pop("TEST_DATABASE_NAME", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--queue-name",
                "*",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--no-reload",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def kill(self) -> None:
        """As a crash or an OOM kill would: no clean-up at all."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.stdout.read() if self.process.stdout else ""


@contextmanager
def workers(count: int, *, email_url: str):
    running = [Worker(email_url=email_url) for _ in range(count)]
    try:
        yield running
    finally:
        for worker in running:
            worker.stop()

"""The real worker (`manage.py db_worker` on the database task backend) and the real
scheduler (`manage.py run_jobs`), as separate processes on the test database."""

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.models import JobRun
from mail import services
from mail.models import Email
from tests.worker import DATABASE_TASKS, ROOT, Worker, database_url_under_test, workers

pytestmark = pytest.mark.django_db(transaction=True)


def draft(n: int) -> services.Draft:
    return services.Draft(
        key=f"worker-test:{n}",
        kind="test",
        to=f"student{n}@example.com",
        subject=f"Message {n}",
        template="mail/tests/hello",
        context={"name": f"Student {n}"},
    )


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


def test_a_worker_killed_mid_send_leaves_the_email_to_the_next_one(database_tasks, smtp_server):
    smtp_server.hold(60)  # the server holds its answer: the worker is caught mid-send
    services.email_queue(draft(1))  # autocommit: its delivery task is enqueued at once
    first = Worker(email_url=smtp_server.url)
    wait_until(lambda: smtp_server.received == 1)
    first.kill()

    assert smtp_server.messages == []  # never answered, so never delivered
    email = Email.objects.get()
    assert (email.status, email.attempts) == (Email.Status.QUEUED, 0)  # rolled back with it

    smtp_server.hold(0)
    # The retry job finds what the dead worker left; a new worker sends it, once.
    assert services.emails_retry_due(now=timezone.now() + timedelta(minutes=2)) == 1
    with workers(1, email_url=smtp_server.url):
        smtp_server.wait_for(1)
        wait_until(lambda: Email.objects.filter(status=Email.Status.SENT).exists())
        time.sleep(0.5)
    assert len(smtp_server.messages) == 1
    # Sent: neither the retry job nor the first task run again sends it twice.
    assert services.emails_retry_due(now=timezone.now() + timedelta(minutes=2)) == 0
    assert services.emails_deliver([email.pk]) == 0
    assert len(smtp_server.messages) == 1


def test_two_workers_send_every_email_once(database_tasks, smtp_server):
    services.emails_queue([draft(n) for n in range(250)])
    # Every email also in a second task, as a retry of a lost task would enqueue it.
    services.deliveries_enqueue(list(Email.objects.values_list("pk", flat=True)))
    with workers(2, email_url=smtp_server.url):
        smtp_server.wait_for(250, timeout=60)
        wait_until(
            lambda: not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
        )
    recipients = [m.envelope_to[0] for m in smtp_server.messages]
    assert len(recipients) == 250 and len(set(recipients)) == 250
    assert Email.objects.filter(status=Email.Status.SENT).count() == 250
    assert not DBTaskResult.objects.filter(status="FAILED").exists()


def run_jobs(*args) -> subprocess.Popen:
    env = {
        "DATABASE_URL": database_url_under_test(),
        "TASKS_BACKEND": DATABASE_TASKS["default"]["BACKEND"],
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_jobs", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_schedulers_at_once_run_each_job_once(database_tasks):
    services.email_queue(draft(1))
    Email.objects.update(created_at=timezone.now() - timedelta(minutes=5))  # its task was lost
    DBTaskResult.objects.all().delete()

    runners = [run_jobs("--job", "mail.jobs.retry_due_emails") for _ in range(2)]
    outputs = [runner.communicate(timeout=60)[0] for runner in runners]

    assert [runner.returncode for runner in runners] == [0, 0], outputs
    assert sum("ran mail.jobs.retry_due_emails" in output for output in outputs) == 1, outputs
    assert JobRun.objects.filter(job="mail.jobs.retry_due_emails").count() == 1
    assert DBTaskResult.objects.count() == 1  # the email's delivery, enqueued once

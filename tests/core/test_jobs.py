"""Scheduled jobs run once per period, after their offset, and a failure is recorded."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from core import jobs
from core.models import JobRun

pytestmark = pytest.mark.django_db

calls = []


@jobs.job(every=timedelta(hours=1), name="tests.hourly")
def hourly(*, now):
    calls.append(now)
    return "done"


@jobs.job(every=timedelta(days=1), offset=timedelta(hours=7), name="tests.daily_at_seven")
def daily(*, now):
    calls.append(now)


@jobs.job(every=timedelta(minutes=1), name="tests.broken")
def broken(*, now):
    raise ValueError("boom")


@pytest.fixture(autouse=True)
def _fresh_calls():
    calls.clear()


def at(hour, minute=0, day=6):
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_a_job_runs_once_per_period():
    assert jobs.run_due(now=at(10, 5), only={"tests.hourly"}) == ["tests.hourly"]
    assert jobs.run_due(now=at(10, 59), only={"tests.hourly"}) == []
    assert jobs.run_due(now=at(11, 0), only={"tests.hourly"}) == ["tests.hourly"]
    assert len(calls) == 2
    run = JobRun.objects.filter(job="tests.hourly").order_by("period").first()
    assert (run.period, run.result, run.error) == ("2026-12-06T10:00", "done", "")


def test_a_daily_job_waits_for_its_offset():
    assert jobs.run_due(now=at(6, 59), only={"tests.daily_at_seven"}) == []
    assert jobs.run_due(now=at(7, 0), only={"tests.daily_at_seven"}) == ["tests.daily_at_seven"]
    assert jobs.run_due(now=at(23, 0), only={"tests.daily_at_seven"}) == []
    assert jobs.run_due(now=at(7, 30, day=7), only={"tests.daily_at_seven"}) == [
        "tests.daily_at_seven"
    ]


def test_a_failing_job_is_recorded_and_the_others_still_run():
    ran = jobs.run_due(now=at(10), only={"tests.broken", "tests.hourly"})
    assert ran == ["tests.broken", "tests.hourly"]
    failed = JobRun.objects.get(job="tests.broken")
    assert "ValueError: boom" in failed.error and failed.finished_at
    assert jobs.run_due(now=at(10), only={"tests.broken"}) == []  # next period, not before


def test_the_apps_jobs_are_registered():
    names = set(jobs.registered())
    assert {"mail.jobs.retry_due_emails", "core.prune_task_results"} <= names


def test_admins_see_job_runs_read_only(client, admin_user):
    jobs.run_due(now=at(10), only={"tests.broken"})
    client.force_login(admin_user)
    page = client.get(reverse("admin:core_jobrun_changelist")).content.decode()
    assert "tests.broken" in page
    assert client.get(reverse("admin:core_jobrun_add")).status_code == 403


def test_admins_see_background_tasks_and_their_failures(client, admin_user, settings):
    from django_tasks_db.models import DBTaskResult

    from mail.tasks import deliver
    from tests.worker import DATABASE_TASKS

    settings.TASKS = DATABASE_TASKS
    deliver.enqueue([1, 2])
    (result,) = DBTaskResult.objects.all()
    assert result.task_path == "mail.tasks.deliver"
    DBTaskResult.objects.update(status="FAILED")
    client.force_login(admin_user)
    changelist = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    page = client.get(changelist + "?status__exact=FAILED").content.decode()
    assert "deliver" in page and str(result.pk) in page

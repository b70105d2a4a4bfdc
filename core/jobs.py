"""Scheduled jobs: declared by the apps in their `jobs.py`, run by `manage.py run_jobs`.

A job runs at most once per period (a day, an hour, a minute...). Before running, the
scheduler inserts a JobRun row for (job, period); the unique index lets exactly one
scheduler, on any host, win that period, so a cron line or systemd timer on every host is
safe. A job that fails is recorded (its error on the row, logged) and runs again in the
next period, not before.
"""

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    function: Callable[..., object]
    # Within its period, the job waits until this much of it has passed (a daily digest at
    # 07:00 is `every=1 day, offset=7 hours`).
    offset: timedelta = timedelta(0)

    def period(self, now: datetime) -> str | None:
        """The period `now` falls in, once its offset has passed; None: not yet."""
        seconds = int(self.every.total_seconds())
        elapsed = int(now.timestamp())
        start = elapsed - elapsed % seconds
        if elapsed - start < self.offset.total_seconds():
            return None
        return datetime.fromtimestamp(start, tz=now.tzinfo).strftime("%Y-%m-%dT%H:%M")


_jobs: dict[str, Job] = {}


def job(*, every: timedelta, offset: timedelta = timedelta(0), name: str | None = None):
    """Declare a scheduled job: `function(now=...)` runs once per `every`."""

    def register(function):
        key = name or f"{function.__module__}.{function.__name__}"
        _jobs[key] = Job(key, every, function, offset)
        return function

    return register


def registered() -> dict[str, Job]:
    autodiscover_modules("jobs")
    return dict(_jobs)


def run_due(*, now: datetime | None = None, only: set[str] | None = None) -> list[str]:
    """Run every job due in this period that no scheduler ran yet; returns their names."""
    from core.models import JobRun

    now = now or timezone.now()
    ran = []
    for name, scheduled in sorted(registered().items()):
        if only is not None and name not in only:
            continue
        period = scheduled.period(now)
        if period is None:
            continue
        try:
            with transaction.atomic():
                run = JobRun.objects.create(job=name, period=period)
        except IntegrityError:
            continue  # another scheduler has this period
        try:
            result = scheduled.function(now=now)
        except Exception:
            logger.exception("Scheduled job %s failed", name)
            run.error = traceback.format_exc()[-4000:]
        else:
            run.result = "" if result is None else str(result)[:1000]
        run.finished_at = timezone.now()
        run.save(update_fields=["error", "result", "finished_at"])
        ran.append(name)
    return ran


@job(every=timedelta(days=1), offset=timedelta(hours=3), name="core.prune_task_results")
def prune_task_results(*, now):
    """Finished background tasks are kept two weeks (failed ones a month) for admins."""
    from django.conf import settings
    from django.core.management import call_command

    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db."):
        return "no database task backend"
    for queue in settings.TASKS["default"].get("QUEUES") or ["default"]:
        call_command(
            "prune_db_task_results",
            queue_name=queue,
            min_age_days=14,
            failed_min_age_days=30,
            verbosity=0,
        )
    return "pruned"

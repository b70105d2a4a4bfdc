import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from core import jobs


class Command(BaseCommand):
    help = (
        "Run the scheduled jobs that are due (each once per period, whichever host runs it). "
        "Run it every minute from cron or a systemd timer, or with --loop."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="Keep running, checking every SECONDS (as `make run` does).",
        )
        parser.add_argument("--job", action="append", help="Only this job (repeatable).")
        parser.add_argument("--list", action="store_true", help="List the jobs and exit.")

    def handle(self, *args, loop=None, job=None, list=False, **options):
        if list:
            for name, scheduled in sorted(jobs.registered().items()):
                self.stdout.write(f"{name}  every {scheduled.every}  offset {scheduled.offset}")
            return
        only = set(job) if job else None
        while True:
            close_old_connections()
            for name in jobs.run_due(only=only):
                self.stdout.write(f"ran {name}")
            if loop is None:
                return
            time.sleep(loop)

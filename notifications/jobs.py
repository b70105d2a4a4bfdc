from datetime import timedelta

from core.jobs import job
from notifications import services


@job(every=timedelta(days=1), offset=timedelta(hours=7))
def send_daily_digests(*, now):
    """Each user's digest of the day's notifications they receive by digest, at 07:00."""
    return services.digests_send(now=now)

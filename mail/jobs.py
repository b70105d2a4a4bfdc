from datetime import timedelta

from core.jobs import job
from mail import services


@job(every=timedelta(minutes=1))
def retry_due_emails(*, now):
    """Send what failed earlier and is due again, and what a lost task left queued."""
    return services.emails_retry_due(now=now)


@job(every=timedelta(days=1), offset=timedelta(hours=3))
def prune_sent_emails(*, now):
    return services.emails_prune(now=now)

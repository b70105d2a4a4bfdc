from datetime import timedelta

from core.jobs import job
from progress import services


@job(every=timedelta(minutes=1))
def resume_announcements(*, now):
    """Move on the announcement fan-outs whose next batch's task was lost."""
    return services.announcements_resume(now=now)

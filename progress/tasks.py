from django_tasks import task

from progress import services


# Ahead of the email queue's deliveries: every student sees the announcement in the site
# (and has their email queued) before the earlier batches' emails are all sent.
@task(priority=10)
def deliver_announcement(announcement_id: int, after: int) -> int:
    """Notify the announcement's next batch of students after the student id `after`, then
    enqueue the batch after it (see progress.services.announcement_deliver_batch)."""
    return services.announcement_deliver_batch(announcement_id=announcement_id, after=after)


@task()
def complete_finished_enrollments(course_id: int) -> int:
    """Complete the course for its students left with every published lecture done (see
    progress.services.enrollments_complete_if_done)."""
    return services.enrollments_complete_if_done(course_id=course_id)

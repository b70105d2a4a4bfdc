from django_tasks import task

from mail import services


@task(queue_name="email")
def deliver(email_ids: list[int]) -> int:
    """Send these queued emails (see mail.services.emails_deliver)."""
    return services.emails_deliver(email_ids)

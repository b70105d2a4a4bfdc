"""Connects the progress app's signals to certificate issue and revocation.

The progress app sits below this one and cannot call it; it announces completions and
access changes inside its transactions, and these receivers act in the same ones.
"""

from django.dispatch import receiver

from certificates import services
from progress.signals import course_completed, enrollment_access_changed


@receiver(course_completed, dispatch_uid="certificates:issue")
def issue_on_completion(sender, enrollment, **kwargs):
    services.certificate_issue(enrollment=enrollment)


@receiver(enrollment_access_changed, dispatch_uid="certificates:follow_access")
def follow_access(sender, enrollment, **kwargs):
    services.certificate_follow_access(enrollment=enrollment)

"""Signals of the progress app, for the layers above it (certificates) to act on.

Sent inside the writing transaction with the enrollment row locked, so a receiver's writes
commit or roll back with the change itself.
"""

from django.dispatch import Signal

# A student finished a course: every published lecture completed (quizzes passed).
# Sent once per enrollment, when its `completed_at` is set. Arguments: enrollment.
course_completed = Signal()

# An enrollment lost its access (revoked, refunded) or got it back. Arguments: enrollment
# (its `status` is the new one).
enrollment_access_changed = Signal()

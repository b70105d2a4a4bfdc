from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import cache
from courses.models import CONTENT_VERSIONS, Course, Lecture


class Enrollment(models.Model):
    """A student's access to a course. Orders link here (payments depends on progress)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")

    class Source(models.TextChoices):
        FREE = "free", _("Free")
        PAID = "paid", _("Paid")
        ADMIN = "admin", _("Granted by an admin")

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("student"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("course")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.ACTIVE)
    source = models.CharField(_("source"), max_length=8, choices=Source, default=Source.FREE)
    enrolled_at = models.DateTimeField(_("enrolled"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # When the student first finished every published lecture (services.lecture_complete).
    # Kept, never cleared or moved: a course that gains lectures later reads as in progress
    # again (pages show "Completed" only while progress is 100%), and the date stays the
    # first finish, as the one-time congratulation did.
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Where the student was last, for "Continue".
    last_lecture = models.ForeignKey(
        Lecture,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last lecture"),
    )
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)

    objects = cache.TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["student", "course"], name="enrollment_unique_pair"),
            models.CheckConstraint(
                condition=Q(status="active", revoked_at__isnull=True)
                | Q(status="revoked", revoked_at__isnull=False),
                name="enrollment_revoked_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["student", "status"], name="enrollment_student_status_idx"),
            models.Index(fields=["course", "status"], name="enrollment_course_status_idx"),
            models.Index(fields=["enrolled_at"], name="enrollment_enrolled_at_idx"),
        ]

    def __str__(self):
        return f"{self.student} → {self.course}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class LectureCompletion(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="completions")
    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(_("completed"), auto_now_add=True)

    objects = cache.TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["completed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lecture"], name="completion_unique_per_lecture"
            ),
        ]
        indexes = [models.Index(fields=["lecture"], name="completion_lecture_idx")]

    def __str__(self):
        return f"{self.enrollment_id}:{self.lecture_id}"


class Review(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("course")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("student"),
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(_("review"), max_length=4000, blank=True)
    is_visible = models.BooleanField(_("visible"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = cache.TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "student"], name="review_one_per_student"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]
        indexes = [
            models.Index(
                fields=["course", "is_visible", "-created_at"], name="review_course_visible_idx"
            )
        ]

    def __str__(self):
        return f"{self.rating}★ {self.course} by {self.student}"


# A learner's enrollments and completions (their progress, My learning) are cached per user;
# reviews show on the cached public course pages.
LEARNER_VERSIONS = cache.Family("learner")
cache.track(Enrollment, LEARNER_VERSIONS, "student_id")
cache.track(LectureCompletion, LEARNER_VERSIONS, "enrollment__student_id")
cache.track(Review, CONTENT_VERSIONS)


class Announcement(models.Model):
    """A message from a course's instructors to its enrolled students.

    Posting writes this row only; tasks then notify the students in batches, in order of
    student id (progress.services.announcement_deliver_batch). `delivered_up_to` is that
    cursor: the last student notified, moved in the batch's own transaction, so a batch run
    twice finds it moved and notifies no one again.
    """

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("course")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=200)
    # Markdown, rendered and sanitised as lecture bodies are.
    body = models.TextField(_("message"), max_length=10_000)
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    delivered_up_to = models.PositiveBigIntegerField(_("notified up to student id"), default=0)
    delivered_count = models.PositiveIntegerField(_("students notified"), default=0)
    # When the last batch ran: a fan-out that stopped moving is resumed (progress.jobs).
    progressed_at = models.DateTimeField(_("last batch"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    objects = cache.TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The course's list, newest first; the rate limit counts the last hour off it.
            models.Index(fields=["course", "-created_at", "-id"], name="announcement_course_idx"),
            models.Index(
                fields=["progressed_at"],
                condition=Q(delivered_at__isnull=True),
                name="announcement_undelivered_idx",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None


# The newest announcements of a course are cached for its learners; the fan-out's progress
# is shown to instructors only, read fresh, so it moves nothing.
ANNOUNCEMENT_VERSIONS = cache.Family("announcements")
cache.track(
    Announcement,
    ANNOUNCEMENT_VERSIONS,
    "course_id",
    ignore=("delivered_up_to", "delivered_count", "progressed_at", "delivered_at"),
)

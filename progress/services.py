"""Writes of the progress app: enrollments, completions, reviews."""

from collections.abc import Sequence
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from html import unescape

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.markdown import render_markdown
from courses.models import Course, Lecture
from notifications.models import Notification
from notifications.services import notify, notify_many
from progress.models import Announcement, Enrollment, LectureCompletion, Review
from progress.selectors import active_enrollment, can_manage_course, course_outline_state
from progress.signals import course_completed, enrollment_access_changed


@transaction.atomic
def enrollment_create(
    *, student, course: Course, source: str = Enrollment.Source.FREE, notify_email: bool = True
) -> tuple[Enrollment, bool]:
    """Give `student` access to `course`. Returns (enrollment, created_or_reactivated).

    Idempotent: an active enrollment is returned untouched; a revoked one comes back to life
    with its completions intact. `notify_email=False`: the caller emails the student itself
    (a purchase's receipt), so the "enrolled" notification is not emailed too.
    """
    # Lock the course row: the enrollment counter and the uniqueness check must not race.
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status != Course.Status.PUBLISHED:
        raise ValidationError(_("This course is not open for enrollment."))
    enrollment, created = Enrollment.objects.get_or_create(
        student=student, course=course, defaults={"source": source}
    )
    if not created:
        if enrollment.is_active:
            return enrollment, False
        enrollment.status = Enrollment.Status.ACTIVE
        enrollment.revoked_at = None
        enrollment.source = source
        enrollment.save(update_fields=["status", "revoked_at", "source"])
        enrollment_access_changed.send(sender=Enrollment, enrollment=enrollment)
    Course.objects.filter(pk=course.pk).update(enrollment_count=F("enrollment_count") + 1)
    notify(
        recipient=student,
        kind=Notification.Kind.ENROLLED,
        title=_("You are enrolled in %(course)s") % {"course": course.title},
        link=course.get_learn_url(),
        email=notify_email,
    )
    return enrollment, True


@transaction.atomic
def enrollment_revoke(*, enrollment: Enrollment) -> Enrollment:
    """Take access away at once. Completions stay, in case access comes back."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if not enrollment.is_active:
        return enrollment
    enrollment.status = Enrollment.Status.REVOKED
    enrollment.revoked_at = timezone.now()
    enrollment.save(update_fields=["status", "revoked_at"])
    Course.objects.filter(pk=enrollment.course_id, enrollment_count__gt=0).update(
        enrollment_count=F("enrollment_count") - 1
    )
    enrollment_access_changed.send(sender=Enrollment, enrollment=enrollment)
    return enrollment


# --- Learning ---------------------------------------------------------------------------------


# Last activity orders "My learning" and shows in the admin; a few minutes' precision is
# plenty, and rewriting it on every page view would cost a write and a commit per view.
TOUCH_INTERVAL = timedelta(minutes=5)


def enrollment_touch(*, enrollment: Enrollment | None, lecture: Lecture) -> None:
    """Remember where the student is, for "Continue" (one UPDATE, no read).

    Skipped while the student stays on the same lecture within TOUCH_INTERVAL.
    """
    if enrollment is None or not enrollment.is_active:
        return
    now = timezone.now()
    if (
        enrollment.last_lecture_id == lecture.pk
        and enrollment.last_activity_at is not None
        and now - enrollment.last_activity_at < TOUCH_INTERVAL
    ):
        return
    Enrollment.objects.filter(pk=enrollment.pk).update(
        last_lecture_id=lecture.pk, last_activity_at=now
    )


@transaction.atomic
def lecture_complete(
    *, user, course: Course, lecture: Lecture, quiz_passed: bool = False
) -> LectureCompletion | None:
    """Mark `lecture` complete for `user`'s active enrollment; idempotent.

    A quiz lecture is completed only by passing its quiz: the assessment app passes
    ``quiz_passed=True`` after grading a passing attempt; "Mark as complete" never does, so
    it raises PermissionDenied for a quiz lecture and writes nothing.

    Checks the unlock rule again: a locked lecture, or one outside the user's outline, raises
    PermissionDenied and writes nothing. A free preview opened without an enrollment has no
    progress to record: returns None. The course completes (``completed_at``, notification)
    exactly once, when every published lecture is done; ``completed_at`` is kept when the
    course later gains lectures (pages show the course as complete only at 100%), so
    finishing those neither moves the date nor congratulates again.
    """
    if not user.is_authenticated:
        raise PermissionDenied
    # `lecture` may be an outline entry, which carries no kind: read it.
    if not quiz_passed and Lecture.objects.filter(pk=lecture.pk, kind=Lecture.Kind.QUIZ).exists():
        raise PermissionDenied(_("A quiz is completed by passing it."))
    # Locking the enrollment serialises two tabs completing at the same moment.
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(student=user, course=course, status=Enrollment.Status.ACTIVE)
        .first()
    )
    outline = course_outline_state(user=user, course=course, enrollment=enrollment)
    item = outline.state_of(lecture.pk)
    if item is None or not item.is_open:
        raise PermissionDenied(_("This lecture is locked."))
    if enrollment is None or not item.is_published:
        return None
    try:
        with transaction.atomic():  # savepoint: a duplicate must not break the outer transaction
            completion, _created = LectureCompletion.objects.get_or_create(
                enrollment=enrollment, lecture_id=lecture.pk
            )
    except IntegrityError:
        completion = LectureCompletion.objects.get(enrollment=enrollment, lecture_id=lecture.pk)
    now = timezone.now()
    enrollment.last_lecture_id = lecture.pk
    enrollment.last_activity_at = now
    fields = ["last_lecture", "last_activity_at"]
    done = outline.completed_ids | {lecture.pk}
    published = [i.lecture.pk for i in outline.items if i.is_published]
    if enrollment.completed_at is None and published and set(published) <= done:
        _course_complete(enrollment=enrollment, course=course, now=now, also=fields)
    else:
        enrollment.save(update_fields=fields)
    return completion


def _course_complete(
    *, enrollment: Enrollment, course: Course, now, also: Sequence[str] = ()
) -> None:
    """Complete the course for a locked `enrollment` (with its fields `also`): the date, the
    congratulation, and the signal on which certificates issue one."""
    enrollment.completed_at = now
    enrollment.save(update_fields=["completed_at", *also])
    notify(
        recipient=enrollment.student,
        kind=Notification.Kind.COURSE_COMPLETED,
        title=_("You completed %(course)s") % {"course": course.title},
        body=_("Congratulations! Tell other students what you thought of it."),
        link=course.get_absolute_url(),
    )
    course_completed.send(sender=Enrollment, enrollment=enrollment)


def enrollments_complete_if_done_later(*, course_id: int) -> None:
    """enrollments_complete_if_done, by a background task once the current transaction
    commits: each student completed costs a certificate (signed) and notifications, which
    an instructor's edit of a large course should not wait for nor hold its locks over."""
    transaction.on_commit(partial(_complete_finished_enqueue, course_id), robust=True)


def _complete_finished_enqueue(course_id: int) -> None:
    from progress.tasks import complete_finished_enrollments  # it imports this module

    complete_finished_enrollments.enqueue(course_id)


@transaction.atomic
def enrollments_complete_if_done(*, course_id: int) -> int:
    """Complete the course for the active enrollments whose completions now cover every
    published lecture; returns how many. For changes that remove published lectures
    (deleted, unpublished, moved into a draft module): the students who had done all the
    others have finished, though they completed no lecture to say so.
    """
    published = list(
        Lecture.objects.filter(
            module__course_id=course_id, is_published=True, module__is_published=True
        ).values_list("pk", flat=True)
    )
    if not published:  # as in lecture_complete: a course with nothing to do is never done
        return 0
    pending = Enrollment.objects.filter(
        course_id=course_id, status=Enrollment.Status.ACTIVE, completed_at__isnull=True
    )
    done = (
        pending.annotate(done=Count("completions", filter=Q(completions__lecture_id__in=published)))
        .filter(done=len(published))
        .values_list("pk", flat=True)
    )
    # Locked, and read again under the lock: a student completing a lecture meanwhile
    # completes the course themselves (lecture_complete locks the same row).
    finished = list(
        pending.select_for_update(of=("self",)).filter(pk__in=list(done)).select_related("student")
    )
    if not finished:
        return 0
    course = Course.objects.get(pk=course_id)
    now = timezone.now()
    for enrollment in finished:
        enrollment.course = course
        _course_complete(enrollment=enrollment, course=course, now=now)
    return len(finished)


# --- Reviews ----------------------------------------------------------------------------------


def _course_rating_refresh(*, course_id: int) -> None:
    """Recompute the course's rating from visible reviews; call inside the writing transaction."""
    # Lock the course row so two concurrent review changes cannot store a stale average.
    Course.objects.select_for_update().filter(pk=course_id).values_list("pk").get()
    stats = Review.objects.filter(course_id=course_id, is_visible=True).aggregate(
        average=Avg("rating"), count=Count("id")
    )
    average = Decimal(str(stats["average"] or 0)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    Course.objects.filter(pk=course_id).update(rating_average=average, rating_count=stats["count"])


@transaction.atomic
def review_upsert(*, student, course: Course, rating: int, text: str = "") -> tuple[Review, bool]:
    """Create or update `student`'s review of `course`. Returns (review, created)."""
    if (
        course.status != Course.Status.PUBLISHED
        or active_enrollment(user=student, course=course) is None
    ):
        raise PermissionDenied(_("Only enrolled students can review this course."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    text = (text or "").strip()
    if len(text) > 4000:
        raise ValidationError({"text": _("Keep the review under 4000 characters.")})
    review = Review.objects.select_for_update().filter(course=course, student=student).first()
    created = review is None
    if created:
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    course=course, student=student, rating=rating, text=text
                )
        except IntegrityError:  # the same student posted twice at once: update instead
            review = Review.objects.select_for_update().get(course=course, student=student)
            created = False
    if not created:
        review.rating, review.text = rating, text
        review.save(update_fields=["rating", "text", "updated_at"])
    _course_rating_refresh(course_id=course.pk)
    if created:
        notify_many(
            recipients=list(course.instructors.all()),
            kind=Notification.Kind.NEW_REVIEW,
            title=_("New %(rating)s-star review of %(course)s")
            % {"rating": rating, "course": course.title},
            body=text[:200],
            link=course.get_absolute_url(),
        )
    return review, created


@transaction.atomic
def review_delete(*, student, review: Review) -> None:
    """Delete a review; only its author may."""
    if not student.is_authenticated or review.student_id != student.pk:
        raise PermissionDenied(_("You can only delete your own review."))
    course_id = review.course_id
    review.delete()
    _course_rating_refresh(course_id=course_id)


@transaction.atomic
def review_set_visibility(*, reviews, is_visible: bool) -> int:
    """Admins hide or show reviews; the affected courses' ratings follow. Returns the count."""
    ids = list(reviews.values_list("pk", flat=True))
    changed = Review.objects.filter(pk__in=ids).exclude(is_visible=is_visible)
    course_ids = sorted(set(changed.values_list("course_id", flat=True)))
    count = changed.update(is_visible=is_visible)
    for course_id in course_ids:
        _course_rating_refresh(course_id=course_id)
    return count


# --- Announcements ----------------------------------------------------------------------------

ANNOUNCEMENT_TITLE_MAX = Announcement._meta.get_field("title").max_length
ANNOUNCEMENT_BODY_MAX = Announcement._meta.get_field("body").max_length
# Students notified per task: one transaction, one INSERT of notifications (and their emails).
ANNOUNCEMENT_BATCH_SIZE = 500
# The notification carries the start of the message; the announcements page shows it whole.
ANNOUNCEMENT_NOTIFICATION_BODY = 1000


def announcements_per_hour() -> int:
    return settings.ANNOUNCEMENTS_PER_HOUR


def _announcement_text(*, actor, course: Course, title: str, body: str) -> tuple[str, str]:
    """The title and body, stripped; PermissionDenied unless `actor` manages `course`,
    ValidationError when either is empty or too long."""
    if not can_manage_course(user=actor, course=course):
        raise PermissionDenied(_("Only the course's instructors can manage its announcements."))
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the announcement a title.")
    elif len(title) > ANNOUNCEMENT_TITLE_MAX:
        errors["title"] = _("Keep the title under %(max)d characters.") % {
            "max": ANNOUNCEMENT_TITLE_MAX
        }
    if not body:
        errors["body"] = _("Write the announcement.")
    elif len(body) > ANNOUNCEMENT_BODY_MAX:
        errors["body"] = _("Keep the announcement under %(max)d characters.") % {
            "max": ANNOUNCEMENT_BODY_MAX
        }
    if errors:
        raise ValidationError(errors)
    return title, body


@transaction.atomic
def announcement_post(*, actor, course: Course, title: str, body: str) -> Announcement:
    """Post an announcement to `course`'s enrolled students; returns it.

    Only the course's instructors and admins may (PermissionDenied). Writes the row only:
    its students are notified by tasks, batch after batch, enqueued once this commits, so
    posting costs the same for ten students as for ten thousand. At most
    ANNOUNCEMENTS_PER_HOUR per course in any hour (ValidationError).
    """
    title, body = _announcement_text(actor=actor, course=course, title=title, body=body)
    # The course row's lock makes the count below and the insert one step: two instructors
    # posting at the same moment cannot both pass the limit.
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status != Course.Status.PUBLISHED:
        raise ValidationError(_("Only a published course's students can be reached."))
    limit = announcements_per_hour()
    recent = Announcement.objects.filter(
        course=course, created_at__gt=timezone.now() - timedelta(hours=1)
    ).count()
    if recent >= limit:
        raise ValidationError(
            ngettext(
                "A course may post %(limit)d announcement an hour. Please wait a while "
                "before posting another.",
                "A course may post %(limit)d announcements an hour. Please wait a while "
                "before posting another.",
                limit,
            )
            % {"limit": limit},
            code="rate_limited",
        )
    announcement = Announcement.objects.create(
        course=course, author=actor, title=title, body=body, progressed_at=timezone.now()
    )
    transaction.on_commit(partial(_announcement_batch_enqueue, announcement.pk, 0), robust=True)
    return announcement


def announcement_update(*, actor, announcement: Announcement, title: str, body: str) -> None:
    """Correct an announcement's title or text; marked as edited when either changed.

    Notifies no one again: students already notified keep what they were sent, the
    announcements pages show the correction, and batches still to run send it.
    """
    title, body = _announcement_text(
        actor=actor, course=announcement.course, title=title, body=body
    )
    if (title, body) == (announcement.title, announcement.body):
        return
    edited_at = timezone.now()
    if not Announcement.objects.filter(pk=announcement.pk).update(
        title=title, body=body, edited_at=edited_at
    ):
        raise Announcement.DoesNotExist  # deleted meanwhile
    announcement.title, announcement.body, announcement.edited_at = title, body, edited_at


def announcement_delete(*, actor, announcement: Announcement) -> None:
    """Take an announcement down: off the course's pages, and no student left to notify is
    notified (the fan-out's next batch finds it gone). Notifications already sent stay."""
    if not can_manage_course(user=actor, course=announcement.course):
        raise PermissionDenied(_("Only the course's instructors can manage its announcements."))
    announcement.delete()


def _announcement_batch_enqueue(announcement_id: int, after: int) -> None:
    from progress.tasks import deliver_announcement  # the task module imports this one

    deliver_announcement.enqueue(announcement_id, after)


def announcement_deliver_batch(
    *, announcement_id: int, after: int, batch_size: int | None = None
) -> int:
    """Notify the next batch of the announcement's students; returns how many.

    A batch is the active enrollees (active accounts) with a student id above `after`, the
    cursor this task was enqueued with. In one transaction, under the announcement's row
    lock: their notifications (emails by each student's preference, through notify_many),
    and the cursor moved past them. The next batch is enqueued once that commits; the last
    (a short one) marks the announcement delivered. A run that finds the cursor elsewhere
    (the batch was done by an earlier run of the same task, or the announcement is gone or
    delivered) does nothing, so a task retried or run twice never notifies twice. A course
    no longer published ends the fan-out: the rest of its students are not notified.
    """
    size = batch_size or getattr(settings, "ANNOUNCEMENT_BATCH_SIZE", ANNOUNCEMENT_BATCH_SIZE)
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().filter(pk=announcement_id).first()
        if (
            announcement is None
            or announcement.delivered_at is not None
            or announcement.delivered_up_to != after
        ):
            return 0
        course = announcement.course
        now = timezone.now()
        if course.status != Course.Status.PUBLISHED:
            # Unpublished or archived since: as at posting, no one is reached through a
            # course that is not published. The fan-out ends here (not resumed by the job).
            announcement.progressed_at = announcement.delivered_at = now
            announcement.save(update_fields=["progressed_at", "delivered_at"])
            return 0
        students = list(
            get_user_model()
            .objects.filter(
                enrollments__course_id=course.pk,
                enrollments__status=Enrollment.Status.ACTIVE,
                is_active=True,
                pk__gt=after,
            )
            .order_by("pk")[:size]
        )
        if students:
            notify_many(
                recipients=students,
                kind=Notification.Kind.ANNOUNCEMENT,
                title=_("%(course)s: %(title)s")
                % {"course": course.title, "title": announcement.title},
                body=Truncator(_plain_text(announcement.body)).chars(
                    ANNOUNCEMENT_NOTIFICATION_BODY
                ),
                link=announcement_link(announcement, course=course),
            )
            announcement.delivered_up_to = students[-1].pk
            announcement.delivered_count += len(students)
        announcement.progressed_at = now
        fields = ["delivered_up_to", "delivered_count", "progressed_at"]
        if len(students) < size:
            announcement.delivered_at = now
            fields.append("delivered_at")
        else:
            transaction.on_commit(
                partial(_announcement_batch_enqueue, announcement.pk, announcement.delivered_up_to),
                robust=True,
            )
        announcement.save(update_fields=fields)
    return len(students)


def _plain_text(markdown: str) -> str:
    """What a Markdown text says, without its markup: notifications and their emails carry
    plain text (the announcements page shows it formatted)."""
    text = unescape(strip_tags(render_markdown(markdown)))
    return "\n\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def announcement_link(announcement: Announcement, *, course: Course) -> str:
    """Where a notification of `announcement` leads: the course's announcements page."""
    return f"{reverse('progress:announcements', args=[course.slug])}#announcement-{announcement.pk}"


def announcements_resume(*, now=None, stalled_after: timedelta = timedelta(minutes=2)) -> int:
    """Enqueue the next batch of every fan-out that stopped moving; returns how many.

    A batch's next task is enqueued after its commit: a worker killed between the two, or
    an enqueue that failed, would leave the rest of the students waiting. The cursor makes
    a second task for the same batch harmless.
    """
    now = now or timezone.now()
    stalled = list(
        Announcement.objects.filter(
            delivered_at__isnull=True, progressed_at__lt=now - stalled_after
        ).values_list("pk", "delivered_up_to")
    )
    for announcement_id, after in stalled:
        _announcement_batch_enqueue(announcement_id, after)
    return len(stalled)

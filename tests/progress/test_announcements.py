"""Course announcements: posting (who, what, how often) and the fan-out to every student."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from courses.models import Course
from notifications.models import Notification
from progress import services
from progress.models import Announcement, Enrollment
from progress.services import announcement_deliver_batch, announcement_post
from progress.tasks import deliver_announcement
from tests.factories import (
    AdminFactory,
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor):
    return CourseFactory(title="Rust", instructors=[instructor])


def post(actor, course, title="Exam on Friday", body="Bring a **pen**."):
    return announcement_post(actor=actor, course=course, title=title, body=body)


def announcement_notifications():
    return Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT)


def enroll_many(course, active, *, revoked):
    """`active` active enrollees and `revoked` revoked ones, in bulk, their ids interleaved
    so that batches hold both."""
    password = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"bulk{i}@example.com", password=password) for i in range(active + revoked)
    )
    revoked_ids = {user.pk for user in users[:: len(users) // revoked][:revoked]}
    now = timezone.now()
    Enrollment.objects.bulk_create(
        Enrollment(
            student=user,
            course=course,
            status=Enrollment.Status.REVOKED
            if user.pk in revoked_ids
            else Enrollment.Status.ACTIVE,
            revoked_at=now if user.pk in revoked_ids else None,
        )
        for user in users
    )
    return users, revoked_ids


# --- Who may post ----------------------------------------------------------------------------


def test_the_course_instructor_posts(instructor, course, student):
    EnrollmentFactory(student=student, course=course)
    announcement = post(instructor, course)
    assert announcement.course == course and announcement.author == instructor
    assert announcement.title == "Exam on Friday" and announcement.body == "Bring a **pen**."


def test_an_admin_posts_to_any_course(course):
    admin = AdminFactory()
    assert post(admin, course).author == admin


@pytest.mark.parametrize("who", ["student", "other instructor", "enrolled student"])
def test_others_may_not_post(who, course, student):
    actor = {
        "student": student,
        "enrolled student": student,
        "other instructor": InstructorFactory(),
    }[who]
    if who == "enrolled student":
        EnrollmentFactory(student=student, course=course)
    with pytest.raises(PermissionDenied):
        post(actor, course)
    assert not Announcement.objects.exists()


def test_an_anonymous_user_may_not_post(course):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        post(AnonymousUser(), course)
    assert not Announcement.objects.exists()


def test_a_course_that_is_not_published_has_no_one_to_tell(instructor, course):
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    course.refresh_from_db()
    with pytest.raises(ValidationError):
        post(instructor, course)
    assert not Announcement.objects.exists()


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("", "Text", "title"),
        ("   ", "Text", "title"),
        ("x" * 201, "Text", "title"),
        ("Title", "", "body"),
        ("Title", " \n ", "body"),
        ("Title", "x" * 10_001, "body"),
    ],
)
def test_bad_input_is_refused_by_field(instructor, course, title, body, field):
    with pytest.raises(ValidationError) as raised:
        post(instructor, course, title=title, body=body)
    assert field in raised.value.error_dict
    assert not Announcement.objects.exists()


# --- Rate limit ------------------------------------------------------------------------------


def test_a_course_posts_at_most_the_hourly_limit(instructor, course, settings):
    settings.ANNOUNCEMENTS_PER_HOUR = 3
    for i in range(3):
        post(instructor, course, title=f"News {i}")
    with pytest.raises(ValidationError) as raised:
        post(instructor, course, title="One too many")
    assert raised.value.code == "rate_limited"
    assert Announcement.objects.count() == 3
    # An admin is held to the same limit: it protects the students' inboxes.
    with pytest.raises(ValidationError):
        post(AdminFactory(), course)


def test_the_limit_is_per_course(instructor, course, settings):
    settings.ANNOUNCEMENTS_PER_HOUR = 1
    other = CourseFactory(instructors=[instructor])
    post(instructor, course)
    post(instructor, other)
    assert Announcement.objects.count() == 2


def test_the_limit_counts_the_last_hour_only(instructor, course, settings):
    settings.ANNOUNCEMENTS_PER_HOUR = 1
    earlier = post(instructor, course)
    Announcement.objects.filter(pk=earlier.pk).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )
    post(instructor, course)
    assert Announcement.objects.count() == 2


# --- Fan-out ---------------------------------------------------------------------------------


def test_posting_notifies_no_one_before_the_commit(instructor, course, student):
    EnrollmentFactory(student=student, course=course)
    post(instructor, course)  # the test's transaction never commits
    assert not announcement_notifications().exists()


def test_students_get_one_notification_each(instructor, course, committed):
    enrolled = [EnrollmentFactory(course=course).student for _ in range(3)]
    with committed():
        announcement = post(instructor, course, title="Exam", body="On **Friday**.")
    notifications = list(announcement_notifications())
    assert sorted(n.recipient_id for n in notifications) == sorted(u.pk for u in enrolled)
    first = notifications[0]
    assert first.title == "Rust: Exam"
    assert first.body == "On Friday."  # plain text: notifications carry no markup
    assert first.link == f"/learn/{course.slug}/announcements/#announcement-{announcement.pk}"
    announcement.refresh_from_db()
    assert announcement.delivered_count == 3 and announcement.is_delivered


def test_an_announcement_reaches_thousands_once_each_and_no_revoked_student(
    instructor, course, committed
):
    users, revoked = enroll_many(course, 2600, revoked=150)
    # Another course's students hear nothing.
    EnrollmentFactory(course=CourseFactory())
    with committed():
        announcement = post(instructor, course)

    counts = dict(
        announcement_notifications()
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    active = {user.pk for user in users} - revoked
    assert set(counts) == active
    assert set(counts.values()) == {1}
    announcement.refresh_from_db()
    assert announcement.is_delivered
    assert announcement.delivered_count == len(active) == 2600
    assert announcement.delivered_up_to == max(active)


def test_deactivated_accounts_are_skipped(instructor, course, committed):
    kept, gone = StudentFactory(), StudentFactory(is_active=False)
    for user in (kept, gone):
        EnrollmentFactory(student=user, course=course)
    with committed():
        post(instructor, course)
    assert list(announcement_notifications().values_list("recipient_id", flat=True)) == [kept.pk]


def test_a_batch_run_twice_notifies_no_one_twice(instructor, course, settings, committed):
    settings.ANNOUNCEMENT_BATCH_SIZE = 2
    students = sorted(
        (EnrollmentFactory(course=course).student for _ in range(5)), key=lambda u: u.pk
    )
    announcement = post(instructor, course)  # not committed: no task enqueued

    # The first batch, through the task; its next batch is enqueued only on commit, so
    # nothing more runs here.
    deliver_announcement.enqueue(announcement.pk, 0)
    assert set(announcement_notifications().values_list("recipient_id", flat=True)) == {
        students[0].pk,
        students[1].pk,
    }
    announcement.refresh_from_db()
    assert announcement.delivered_up_to == students[1].pk

    # The same task again (a retry, or a duplicate of a lost worker's): the cursor moved.
    deliver_announcement.enqueue(announcement.pk, 0)
    assert announcement_batch_run(announcement, after=0) == 0
    assert announcement_notifications().count() == 2

    # The chain from the cursor on finishes the job, each student once.
    with committed():
        deliver_announcement.enqueue(announcement.pk, students[1].pk)
    recipients = list(announcement_notifications().values_list("recipient_id", flat=True))
    assert sorted(recipients) == [s.pk for s in students]
    announcement.refresh_from_db()
    assert announcement.is_delivered and announcement.delivered_count == 5

    # A delivered announcement's tasks do nothing, whatever cursor they carry.
    for after in (0, students[1].pk, students[3].pk, students[4].pk):
        assert announcement_batch_run(announcement, after=after) == 0
    assert announcement_notifications().count() == 5


def announcement_batch_run(announcement, *, after):
    return announcement_deliver_batch(announcement_id=announcement.pk, after=after)


def test_a_student_enrolled_twice_over_the_batches_is_not_notified_twice(
    instructor, course, settings, committed
):
    # A batch boundary falls between students; the cursor is by student, so a revoked and
    # renewed enrollment (same row) cannot come round again.
    settings.ANNOUNCEMENT_BATCH_SIZE = 1
    first, second = (EnrollmentFactory(course=course) for _ in range(2))
    announcement = post(instructor, course)
    announcement_batch_run(announcement, after=0)
    services.enrollment_revoke(enrollment=first)
    services.enrollment_create(student=first.student, course=course)
    with committed():
        announcement.refresh_from_db()
        announcement_batch_run(announcement, after=announcement.delivered_up_to)
    assert announcement_notifications().count() == 2


def test_a_deleted_announcement_stops_its_fan_out(instructor, course, settings):
    settings.ANNOUNCEMENT_BATCH_SIZE = 1
    EnrollmentFactory(course=course)
    announcement = post(instructor, course)
    Announcement.objects.filter(pk=announcement.pk).delete()
    assert announcement_batch_run(announcement, after=0) == 0
    assert not announcement_notifications().exists()


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_a_course_unpublished_meanwhile_stops_its_fan_out(instructor, course, settings, status):
    """Students left to notify are not told once their course is no longer published."""
    settings.ANNOUNCEMENT_BATCH_SIZE = 1
    first, second = sorted(
        (EnrollmentFactory(course=course).student for _ in range(2)), key=lambda u: u.pk
    )
    announcement = post(instructor, course)
    assert announcement_batch_run(announcement, after=0) == 1
    Course.objects.filter(pk=course.pk).update(status=status)
    assert announcement_batch_run(announcement, after=first.pk) == 0
    assert list(announcement_notifications().values_list("recipient_id", flat=True)) == [first.pk]
    # The fan-out is over: the resume job does not pick it up again and again.
    announcement.refresh_from_db()
    assert announcement.is_delivered and announcement.delivered_count == 1
    later = timezone.now() + timedelta(hours=1)
    assert services.announcements_resume(now=later) == 0


def test_a_stalled_fan_out_is_resumed_by_the_job(instructor, course, settings, committed):
    from core.jobs import run_due

    settings.ANNOUNCEMENT_BATCH_SIZE = 1
    students = sorted(
        (EnrollmentFactory(course=course).student for _ in range(3)), key=lambda u: u.pk
    )
    announcement = post(instructor, course)
    announcement_batch_run(announcement, after=0)  # its next task was lost
    now = timezone.now()
    # Not yet: a batch that just ran is given time.
    assert services.announcements_resume(now=now) == 0
    later = now + timedelta(minutes=3)
    with committed():
        run_due(now=later, only={"progress.jobs.resume_announcements"})
    recipients = sorted(announcement_notifications().values_list("recipient_id", flat=True))
    assert recipients == [s.pk for s in students]
    announcement.refresh_from_db()
    assert announcement.is_delivered
    assert services.announcements_resume(now=later + timedelta(hours=1)) == 0


def test_the_notification_says_it_in_plain_text(instructor, course, committed):
    EnrollmentFactory(course=course)
    body = "# Exam\n\nOn **Friday**, [room 4](https://example.com/r4) &amp;\n\n- pen\n- paper"
    with committed():
        post(instructor, course, body=body)
    notification = announcement_notifications().get()
    assert notification.body == "Exam\n\nOn Friday, room 4 &\n\npen\n\npaper"

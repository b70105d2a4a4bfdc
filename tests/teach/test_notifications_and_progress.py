"""Side effects of workspace changes on students: notifications and progress."""

import pytest
from django.urls import reverse

from certificates.models import Certificate
from notifications.models import Notification
from progress.models import Enrollment, LectureCompletion
from teaching import services
from tests.factories import EnrollmentFactory, LectureCompletionFactory, StudentFactory
from tests.teach.helpers import lecture_data


@pytest.fixture
def audience(course):
    """Two active enrollees, one revoked enrollee and a student who is not enrolled."""
    active = [EnrollmentFactory(course=course).student for _ in range(2)]
    EnrollmentFactory(course=course, status="revoked", revoked_at="2026-01-01T00:00Z")
    StudentFactory()
    return active


def new_lecture_recipients():
    return sorted(
        Notification.objects.filter(kind=Notification.Kind.NEW_LECTURE).values_list(
            "recipient_id", flat=True
        )
    )


def test_publishing_a_new_lecture_notifies_active_enrollees_only(teacher, course, audience):
    module = course.modules.get(order=0)

    teacher.post(
        reverse("teach:lecture_create", args=[course.slug, module.pk]),
        lecture_data(module, title="Fresh"),
    )

    assert new_lecture_recipients() == sorted(s.pk for s in audience)
    lecture = module.lectures.get(title="Fresh")
    notification = Notification.objects.filter(kind=Notification.Kind.NEW_LECTURE).first()
    assert "Fresh" in notification.title
    assert notification.link == f"/learn/{course.slug}/lectures/{lecture.pk}/"


def test_draft_lecture_notifies_nobody_until_published(teacher, course, audience):
    module = course.modules.get(order=0)
    teacher.post(
        reverse("teach:lecture_create", args=[course.slug, module.pk]),
        lecture_data(module, title="Later", is_published=None),
    )
    assert new_lecture_recipients() == []

    lecture = module.lectures.get(title="Later")
    teacher.post(
        reverse("teach:lecture_publish", args=[course.slug, lecture.pk]), {"is_published": "1"}
    )
    assert new_lecture_recipients() == sorted(s.pk for s in audience)

    # Publishing again, or editing, does not notify twice.
    teacher.post(
        reverse("teach:lecture_publish", args=[course.slug, lecture.pk]), {"is_published": "1"}
    )
    teacher.post(
        reverse("teach:lecture_edit", args=[course.slug, lecture.pk]),
        lecture_data(module, title="Later, edited"),
    )
    assert len(new_lecture_recipients()) == len(audience)


def test_lecture_in_a_draft_module_notifies_when_the_module_is_published(
    teacher, course, audience, instructor
):
    module = services.module_create(
        actor=instructor, course=course, title="Bonus", is_published=False
    )
    services.lecture_create(
        actor=instructor, module=module, title="Hidden for now", is_published=True
    )
    assert new_lecture_recipients() == []

    teacher.post(
        reverse("teach:module_publish", args=[course.slug, module.pk]), {"is_published": "1"}
    )

    assert new_lecture_recipients() == sorted(s.pk for s in audience)
    assert "Bonus" in Notification.objects.get(recipient=audience[0]).title


def test_new_published_module_notifies(teacher, course, audience):
    teacher.post(
        reverse("teach:module_create", args=[course.slug]), {"title": "Extra", "is_published": "on"}
    )

    assert new_lecture_recipients() == sorted(s.pk for s in audience)


def test_no_enrollees_no_notifications(teacher, instructor, course):
    services.lecture_create(
        actor=instructor, module=course.modules.first(), title="Alone", is_published=True
    )

    assert not Notification.objects.exists()


def progress_percent(enrollment):
    """Progress % as the learning rules define it, computed from the progress models."""
    published = [
        lecture
        for module in enrollment.course.modules.filter(is_published=True)
        for lecture in module.lectures.filter(is_published=True)
    ]
    done = LectureCompletion.objects.filter(enrollment=enrollment, lecture__in=published).count()
    return done * 100 // len(published)


def test_deleting_a_completed_lecture_keeps_progress_right(teacher, course):
    enrollment = EnrollmentFactory(course=course)
    lectures = [
        lecture for module in course.modules.order_by("order") for lecture in module.lectures.all()
    ]
    for lecture in lectures[:3]:
        LectureCompletionFactory(enrollment=enrollment, lecture=lecture)
    assert progress_percent(enrollment) == 50  # 3 of 6

    teacher.post(reverse("teach:lecture_delete", args=[course.slug, lectures[0].pk]))

    assert not LectureCompletion.objects.filter(lecture_id=lectures[0].pk).exists()
    assert progress_percent(Enrollment.objects.get(pk=enrollment.pk)) == 40  # 2 of 5
    listed = teacher.get(reverse("teach:course_list")).context["courses"][0]
    assert listed.average_progress == pytest.approx(40.0)


def test_deleting_an_open_lecture_raises_progress(teacher, course):
    enrollment = EnrollmentFactory(course=course)
    first = course.modules.get(order=0).lectures.get(order=0)
    LectureCompletionFactory(enrollment=enrollment, lecture=first)
    last = course.modules.get(order=1).lectures.get(order=2)

    teacher.post(reverse("teach:lecture_delete", args=[course.slug, last.pk]))

    assert progress_percent(enrollment) == 20  # 1 of 5


def _in_order(course):
    return [
        lecture
        for module in course.modules.order_by("order")
        for lecture in module.lectures.order_by("order")
    ]


def _done_but_last(course, **enrollment_fields):
    """An enrollment that completed every lecture of `course` but its last one."""
    enrollment = EnrollmentFactory(course=course, **enrollment_fields)
    for lecture in _in_order(course)[:-1]:
        LectureCompletionFactory(enrollment=enrollment, lecture=lecture)
    return enrollment


def _delete_lecture(instructor, course):
    services.lecture_delete(actor=instructor, lecture=_in_order(course)[-1])


def _unpublish_lecture(instructor, course):
    services.lecture_set_published(
        actor=instructor, lecture=_in_order(course)[-1], is_published=False
    )


def _move_lecture_to_a_draft_module(instructor, course):
    lecture = _in_order(course)[-1]
    draft = services.module_create(
        actor=instructor, course=course, title="Extra", is_published=False
    )
    services.lecture_update(
        actor=instructor,
        lecture=lecture,
        module=draft,
        title=lecture.title,
        kind=lecture.kind,
        body=lecture.body,
        duration_seconds=lecture.duration_seconds,
        is_free_preview=lecture.is_free_preview,
        is_published=True,
    )


def _unpublish_last_module_in_its_form(instructor, course):
    last = course.modules.order_by("order").last()
    services.module_update(
        actor=instructor, module=last, title=last.title, description="", is_published=False
    )


def _unpublish_last_module(instructor, course):
    last = course.modules.order_by("order").last()
    services.module_set_published(actor=instructor, module=last, is_published=False)


def _delete_last_module(instructor, course):
    services.module_delete(actor=instructor, module=course.modules.order_by("order").last())


@pytest.mark.parametrize(
    "remove",
    [
        _delete_lecture,
        _unpublish_lecture,
        _move_lecture_to_a_draft_module,
        _unpublish_last_module_in_its_form,
        _unpublish_last_module,
        _delete_last_module,
    ],
)
def test_removing_the_last_lecture_left_completes_the_course(
    client, instructor, course, remove, django_capture_on_commit_callbacks
):
    """A student who did every other lecture has finished once the last one is removed:
    the course completes, with its congratulation and certificate."""
    enrollment = _done_but_last(course)
    with django_capture_on_commit_callbacks(execute=True):
        remove(instructor, course)

    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None
    kinds = Notification.objects.filter(recipient=enrollment.student).values_list("kind", flat=True)
    assert sorted(kinds) == sorted(
        [Notification.Kind.COURSE_COMPLETED, Notification.Kind.CERTIFICATE_ISSUED]
    )
    assert Certificate.objects.filter(enrollment=enrollment).exists()
    client.force_login(enrollment.student)
    response = client.get(reverse("certificates:course_complete", args=[course.slug]))
    assert response.status_code == 200


def test_removing_a_lecture_completes_no_course_with_lectures_left(
    instructor, course, django_capture_on_commit_callbacks
):
    """Students with lectures still to do, without access, or already finished are left as
    they were."""
    lectures = _in_order(course)
    behind = EnrollmentFactory(course=course)
    for lecture in lectures[:-2]:
        LectureCompletionFactory(enrollment=behind, lecture=lecture)
    revoked = _done_but_last(course, status="revoked", revoked_at="2026-01-01T00:00Z")
    finished_before = "2026-01-02T00:00Z"
    finished = _done_but_last(course, completed_at=finished_before)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.lecture_delete(actor=instructor, lecture=lectures[-1])
    assert callbacks  # the completion check ran, and found nobody to complete

    for enrollment in (behind, revoked):
        enrollment.refresh_from_db()
        assert enrollment.completed_at is None
    finished.refresh_from_db()
    assert finished.completed_at.isoformat() == "2026-01-02T00:00:00+00:00"
    assert not Notification.objects.filter(kind=Notification.Kind.COURSE_COMPLETED).exists()
    assert not Certificate.objects.exists()


def test_the_completions_wait_for_the_instructors_change_to_commit(
    instructor, course, django_capture_on_commit_callbacks
):
    """Completing the course (a certificate each) is a background task once the edit
    commits: the instructor's request neither does it nor holds its locks meanwhile."""
    enrollment = _done_but_last(course)
    with django_capture_on_commit_callbacks() as callbacks:
        _delete_lecture(instructor, course)

        enrollment.refresh_from_db()
        assert enrollment.completed_at is None
        assert not Certificate.objects.exists()

    for callback in callbacks:
        callback()
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None
    assert Certificate.objects.filter(enrollment=enrollment).exists()

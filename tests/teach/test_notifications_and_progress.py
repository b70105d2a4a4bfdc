"""Side effects of workspace changes on students: notifications and progress."""

import pytest
from django.urls import reverse

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

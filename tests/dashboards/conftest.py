"""A hand-built data set whose dashboard figures are worked out by hand in the tests."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import Course
from payments.models import Order
from progress.models import Enrollment, LectureCompletion
from tests.factories import (
    AdminFactory,
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    LectureCompletionFactory,
    LectureFactory,
    ModuleFactory,
    OrderFactory,
    ReviewFactory,
    StudentFactory,
)


@dataclass
class Shop:
    now: object
    admin: object
    instructor: object
    other_instructor: object
    students: list
    python: Course  # usd, with modules, completions and reviews
    design: Course  # eur
    free: Course
    draft: Course
    modules: list
    lectures: list


def _order(*, student, course, status, paid, paid_at, refunded=None, currency=None):
    return OrderFactory(
        student=student,
        course=course,
        status=status,
        paid_amount=paid,
        paid_currency=currency or course.currency,
        paid_at=paid_at,
        refunded_amount=refunded,
        refunded_at=paid_at + timedelta(days=1) if refunded else None,
    )


def _enroll(*, student, course, source, when, revoked=False):
    enrollment = EnrollmentFactory(student=student, course=course, source=source)
    fields = {"enrolled_at": when}
    if revoked:
        fields.update(status=Enrollment.Status.REVOKED, revoked_at=when + timedelta(days=1))
    Enrollment.objects.filter(pk=enrollment.pk).update(**fields)
    enrollment.refresh_from_db()
    return enrollment


@pytest.fixture
def shop(db):
    now = timezone.now()
    recent, months_ago, years_ago = (
        now - timedelta(days=5),
        now - timedelta(days=60),
        now - (timedelta(days=400)),
    )
    instructor, other = InstructorFactory(), InstructorFactory()
    s1, s2, s3, s4, s5 = (StudentFactory() for _ in range(5))
    python = CourseFactory(
        title="Python", price=Decimal("50.00"), currency="usd", instructors=[instructor]
    )
    design = CourseFactory(
        title="Design", price=Decimal("45.00"), currency="eur", instructors=[other]
    )
    free = CourseFactory(title="Free intro", price=Decimal("0.00"), instructors=[other])
    draft = CourseFactory(title="Draft", status=Course.Status.DRAFT, instructors=[instructor])

    # Course order: module 1 (two published lectures and one unpublished), module 2 (two),
    # an unpublished module and a module without published lectures, which never count.
    m1 = ModuleFactory(course=python, order=1, title="Basics")
    m2 = ModuleFactory(course=python, order=2, title="Functions")
    hidden_module = ModuleFactory(course=python, order=3, is_published=False)
    empty_module = ModuleFactory(course=python, order=4, title="Coming soon")
    l1, l2 = LectureFactory(module=m1, order=1), LectureFactory(module=m1, order=2)
    unpublished = LectureFactory(module=m1, order=3, is_published=False)
    l3, l4 = LectureFactory(module=m2, order=1), LectureFactory(module=m2, order=2)
    in_hidden_module = LectureFactory(module=hidden_module, order=1)
    LectureFactory(module=empty_module, order=1, is_published=False)

    paid, free_source, admin_source = (
        Enrollment.Source.PAID,
        Enrollment.Source.FREE,
        Enrollment.Source.ADMIN,
    )
    e_s1 = _enroll(student=s1, course=python, source=paid, when=recent)
    e_s2 = _enroll(student=s2, course=python, source=paid, when=months_ago, revoked=True)
    e_s3 = _enroll(student=s3, course=python, source=paid, when=months_ago)
    e_s4 = _enroll(student=s4, course=python, source=admin_source, when=years_ago)
    _enroll(student=s3, course=design, source=paid, when=recent)
    _enroll(student=s4, course=design, source=paid, when=years_ago)
    _enroll(student=s1, course=free, source=free_source, when=recent)
    _enroll(student=s2, course=free, source=free_source, when=months_ago)
    _enroll(student=s5, course=free, source=free_source, when=recent)
    _enroll(student=s4, course=free, source=free_source, when=months_ago, revoked=True)

    status = Order.Status
    usd50, eur45 = Decimal("50.00"), Decimal("45.00")
    _order(student=s1, course=python, status=status.PAID, paid=usd50, paid_at=recent)
    _order(
        student=s2,
        course=python,
        status=status.REFUNDED,
        paid=usd50,
        paid_at=months_ago,
        refunded=usd50,
    )
    # A partial refund: the order stays paid, the refunded part is not revenue.
    _order(
        student=s3,
        course=python,
        status=status.PAID,
        paid=usd50,
        paid_at=months_ago,
        refunded=Decimal("20.00"),
    )
    _order(student=s3, course=design, status=status.PAID, paid=eur45, paid_at=recent)
    _order(student=s4, course=design, status=status.PAID, paid=eur45, paid_at=years_ago)
    _order(student=s5, course=python, status=status.NEEDS_REVIEW, paid=usd50, paid_at=recent)
    OrderFactory(student=s1, course=design, status=status.PENDING)
    OrderFactory(student=s2, course=design, status=status.FAILED)

    for lecture in (l1, l2, l3, l4):
        LectureCompletionFactory(enrollment=e_s1, lecture=lecture)
        LectureCompletionFactory(enrollment=e_s2, lecture=lecture)  # revoked: never counts
    for lecture in (l1, l2, unpublished, in_hidden_module):
        LectureCompletionFactory(enrollment=e_s3, lecture=lecture)
    LectureCompletionFactory(enrollment=e_s4, lecture=l1)
    Enrollment.objects.filter(pk=e_s1.pk).update(completed_at=now)
    assert LectureCompletion.objects.count() == 13

    ReviewFactory(course=python, student=s1, rating=5, text="Loved it")
    ReviewFactory(course=python, student=s3, rating=4, text="Good")
    ReviewFactory(course=python, student=s2, rating=2, text="Too fast")
    ReviewFactory(course=python, student=s4, rating=1, text="Hidden rant", is_visible=False)
    ReviewFactory(course=design, student=s3, rating=3)

    return Shop(
        now=now,
        admin=AdminFactory(),
        instructor=instructor,
        other_instructor=other,
        students=[s1, s2, s3, s4, s5],
        python=python,
        design=design,
        free=free,
        draft=draft,
        modules=[m1, m2],
        lectures=[l1, l2, l3, l4],
    )

"""factory_boy factories shared by every test module."""

from decimal import Decimal

import factory
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Role, User
from courses.models import Category, Course, Lecture, Module
from notifications.models import Notification
from payments.models import Order
from progress.models import Enrollment, LectureCompletion, Review

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    role = Role.STUDENT
    # Passed to create_user, which hashes and saves it (a post-generation set_password
    # would never be saved, with skip_postgeneration_save).
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)


class StudentFactory(UserFactory):
    role = Role.STUDENT


class InstructorFactory(UserFactory):
    role = Role.INSTRUCTOR
    email = factory.Sequence(lambda n: f"instructor{n}@example.com")


class AdminFactory(UserFactory):
    role = Role.ADMIN
    email = factory.Sequence(lambda n: f"admin{n}@example.com")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    category = factory.SubFactory(CategoryFactory)
    description = "A course description."
    price = Decimal("0.00")
    currency = "usd"
    status = Course.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def instructors(self, create, extracted, **kwargs):
        if create and extracted:
            self.instructors.set(extracted)


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    order = factory.Sequence(lambda n: n)


class LectureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lecture

    module = factory.SubFactory(ModuleFactory)
    title = factory.Sequence(lambda n: f"Lecture {n}")
    order = factory.Sequence(lambda n: n)
    kind = Lecture.Kind.TEXT
    body = factory.Sequence(lambda n: f"Secret lecture body {n}")
    duration_seconds = 300


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    student = factory.SubFactory(StudentFactory)
    course = factory.SubFactory(CourseFactory)


class LectureCompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LectureCompletion

    enrollment = factory.SubFactory(EnrollmentFactory)
    lecture = factory.SubFactory(LectureFactory)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    course = factory.SubFactory(CourseFactory)
    student = factory.SubFactory(StudentFactory)
    rating = 5
    text = "Great course."


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    student = factory.SubFactory(StudentFactory)
    course = factory.SubFactory(CourseFactory, price=Decimal("49.00"))
    amount = factory.LazyAttribute(lambda o: o.course.price)
    currency = factory.LazyAttribute(lambda o: o.course.currency)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(StudentFactory)
    kind = Notification.Kind.ENROLLED
    title = factory.Sequence(lambda n: f"Notification {n}")


def course_with_lectures(*, modules: int = 2, lectures_per_module: int = 3, **course_kwargs):
    """A published course with `modules` modules of `lectures_per_module` lectures, in order."""
    course = CourseFactory(**course_kwargs)
    for m in range(modules):
        module = ModuleFactory(course=course, order=m)
        for i in range(lectures_per_module):
            LectureFactory(module=module, order=i)
    return course

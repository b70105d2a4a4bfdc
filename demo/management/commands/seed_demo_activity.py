"""Demo activity for the dashboards: learners, orders, enrollments, completions, reviews.

Run after `seed_demo`. A learner's activity (enrollments, orders, completions, reviews) is
made with the learner, once: running it again creates nothing for learners that exist and
changes nothing an admin did since (a refund, a revoked enrollment, a hidden review, a course
published or unpublished). A deleted demo learner is made again, with its activity.
Development only: the learners' password is printed.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from accounts.models import Role, User
from certificates.services import certificate_issue
from courses.models import Course, Lecture
from demo.quizzes import take_quiz
from payments.models import Order
from progress.models import Enrollment, LectureCompletion, Review

LEARNERS = 24
LEARNER_PASSWORD = "edusphere-learner"  # noqa: S105  (development only, printed)  # nosec B105
COURSES_PER_LEARNER = 3
SECOND_CURRENCY = "eur"
REVIEW_TEXTS = [
    "Clear and well paced.",
    "Good examples, a bit fast at the end.",
    "Exactly what I needed.",
    "Too much theory for me.",
    "Great course, I recommend it.",
]


class Command(BaseCommand):
    help = "Add demo orders, enrollments, completions and reviews so dashboards have data."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo_activity is for development only (DEBUG=False).")
        with transaction.atomic():
            learners, new = self._learners()
            if new:
                courses = list(Course.objects.published().order_by("id"))
                if not courses:  # rolls the learners back too
                    raise CommandError("No published courses: run `manage.py seed_demo` first.")
                if len(new) == len(learners):  # first run only: then a currency is the admin's
                    self._second_currency(courses)
                touched = self._activity(learners, new, courses)
                self._refresh_counters(touched)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo activity: {len(learners)} learners ({len(new)} created now), "
                f"{Enrollment.objects.filter(student__in=learners).count()} enrollments, "
                f"{Order.objects.filter(student__in=learners).count()} orders."
            )
        )
        self.stdout.write(
            f"Demo learners (development only): demo-learner-01@example.com to "
            f"demo-learner-{LEARNERS:02d}@example.com, password {LEARNER_PASSWORD}"
        )

    def _second_currency(self, courses):
        """Price one paid course in a second currency, so revenue shows two of them."""
        paid = [c for c in courses if c.price > 0]
        if not paid or any(c.currency != settings.SITE_CURRENCY for c in paid):
            return
        course = paid[-1]
        course.currency = SECOND_CURRENCY
        course.save(update_fields=["currency"])
        self.stdout.write(f"{course.title} is now priced in {SECOND_CURRENCY.upper()}.")

    def _learners(self):
        """All demo learners, and the set of those created now (missing until now)."""
        emails = [f"demo-learner-{n:02d}@example.com" for n in range(1, LEARNERS + 1)]
        existing = {user.email: user for user in User.objects.filter(email__in=emails)}
        password = None  # hashed once: the hasher is slow on purpose
        learners, new = [], set()
        for n, email in enumerate(emails, start=1):
            user = existing.get(email)
            if user is None:
                password = password or make_password(LEARNER_PASSWORD)
                user = User(email=email, name=f"Demo Learner {n}", password=password)
                user.set_role(Role.STUDENT)
                user.save()
                new.add(user.pk)
            learners.append(user)
        return learners, new

    def _activity(self, learners, new, courses):
        """The activity of the learners created now (`new`, their ids)."""
        now = timezone.now()
        lectures = {
            course.pk: list(
                Lecture.objects.filter(
                    module__course=course, is_published=True, module__is_published=True
                )
                .select_related("quiz")
                .order_by("module__order", "module__id", "order", "id")
            )
            for course in courses
        }
        plan = []
        for i, learner in enumerate(learners):
            for k in range(min(COURSES_PER_LEARNER, len(courses))):
                course = courses[(i + k) % len(courses)]
                # Spread over the past year, more in recent months.
                days_ago = ((i * 37 + k * 53) % 360) * (1 if (i + k) % 3 else 0.25)
                plan.append((now - timedelta(days=days_ago, hours=i), i, k, learner, course))
        # Oldest first, so order ids follow their dates as they would on a real site.
        plan.sort(key=lambda step: step[0])
        refunded_one = False
        touched = set()
        for when, i, k, learner, course in plan:
            refund = course.price > 0 and not refunded_one
            refunded_one = refunded_one or refund
            if learner.pk not in new:
                continue  # made with the learner, once; the admin's since
            enrollment = self._enroll(learner, course, when, revoked=refund)
            if course.price > 0:
                self._order(learner, course, enrollment, when, refund=refund)
            if not refund:
                done = lectures[course.pk][: (i * 3 + k * 5) % (len(lectures[course.pk]) + 1)]
                self._complete(enrollment, done, lectures[course.pk], when, now)
                self._quizzes(learner, done, min(when + timedelta(days=1), now), i % 3 == 0)
                if done:
                    self._review(learner, course, rating=5 - (i + k) % 5, hidden=i == 7)
            touched.add(course.pk)
        return touched

    def _enroll(self, learner, course, when, *, revoked):
        source = Enrollment.Source.PAID if course.price > 0 else Enrollment.Source.FREE
        enrollment, created = Enrollment.objects.get_or_create(
            student=learner,
            course=course,
            defaults={
                "source": source,
                "status": Enrollment.Status.REVOKED if revoked else Enrollment.Status.ACTIVE,
                "revoked_at": when + timedelta(days=2) if revoked else None,
            },
        )
        if created:
            # enrolled_at is set on insert; the demo's is in the past.
            Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=when)
            enrollment.enrolled_at = when
        return enrollment

    def _order(self, learner, course, enrollment, when, *, refund):
        amount = Decimal(course.price)
        # Past history written as it ended, not lived through payments.lifecycle. Marked as
        # test payments (no money moved), so a DEBUG demo site can refund them for a try.
        order, created = Order.objects.get_or_create(
            stripe_session_id=f"cs_demo_{learner.pk}_{course.pk}",
            defaults={
                "student": learner,
                "course": course,
                "enrollment": enrollment,
                "amount": amount,
                "currency": course.currency,
                "status": Order.Status.REFUNDED if refund else Order.Status.PAID,
                "paid_amount": amount,
                "paid_currency": course.currency,
                "customer_email": learner.email,
                "paid_with_test_checkout": True,
                "paid_at": when,
                "refunded_at": when + timedelta(days=2) if refund else None,
                "refunded_amount": amount if refund else None,
            },
        )
        if created:
            # created_at is set on insert; the demo order was made just before it was paid.
            Order.objects.filter(pk=order.pk).update(created_at=when - timedelta(minutes=5))

    def _complete(self, enrollment, done, all_lectures, when, now):
        LectureCompletion.objects.bulk_create(
            [LectureCompletion(enrollment=enrollment, lecture=lecture) for lecture in done],
            ignore_conflicts=True,
        )
        finished = bool(all_lectures) and len(done) == len(all_lectures)
        Enrollment.objects.filter(pk=enrollment.pk).update(
            completed_at=min(when + timedelta(days=20), now) if finished else None,
            last_lecture=done[-1] if done else None,
            last_activity_at=when + timedelta(days=len(done)) if done else None,
        )
        if finished:  # as finishing in the classroom does
            enrollment.refresh_from_db()
            certificate_issue(enrollment=enrollment, now=enrollment.completed_at)

    def _quizzes(self, learner, done, when, fail_first):
        """Attempts at the quizzes among the lectures a learner completed, so the
        gradebook and its question analytics have data."""
        for lecture in done:
            if lecture.kind == Lecture.Kind.QUIZ and hasattr(lecture, "quiz"):
                take_quiz(learner, lecture.quiz, when, fail_first=fail_first)

    def _review(self, learner, course, *, rating, hidden):
        Review.objects.get_or_create(
            course=course,
            student=learner,
            defaults={
                "rating": rating,
                "text": REVIEW_TEXTS[rating % len(REVIEW_TEXTS)],
                "is_visible": not hidden,
            },
        )

    def _refresh_counters(self, course_ids):
        """The catalog's denormalised counters, recomputed for the courses touched."""
        for course in Course.objects.filter(pk__in=course_ids).annotate(
            active=Count("enrollments", filter=Q(enrollments__status="active"), distinct=True),
            rated=Count("reviews", filter=Q(reviews__is_visible=True), distinct=True),
            average=Avg("reviews__rating", filter=Q(reviews__is_visible=True)),
        ):
            Course.objects.filter(pk=course.pk).update(
                enrollment_count=course.active,
                rating_count=course.rated,
                rating_average=Decimal(course.average or 0).quantize(Decimal("0.01")),
            )

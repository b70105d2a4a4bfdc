"""Reviews: one per enrolled student, own edits only, ratings from visible reviews."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from notifications.models import Notification
from progress.models import Enrollment, Review
from progress.services import review_delete, review_set_visibility, review_upsert
from tests.factories import EnrollmentFactory, ReviewFactory, StudentFactory

pytestmark = pytest.mark.django_db


def review_url(course):
    return reverse("progress:review", args=[course.slug])


def delete_url(course):
    return reverse("progress:review_delete", args=[course.slug])


def _rating(course):
    course.refresh_from_db()
    return course.rating_average, course.rating_count


def test_enrolled_student_posts_a_review(student_client, student, course, enrollment):
    response = student_client.post(review_url(course), {"rating": "4", "text": "Clear."})

    assert response.status_code == 302
    assert response.url == course.get_absolute_url()
    review = Review.objects.get(course=course, student=student)
    assert (review.rating, review.text) == (4, "Clear.")
    assert _rating(course) == (Decimal("4.00"), 1)


def test_a_new_review_notifies_the_instructors_once(student_client, course, enrollment):
    student_client.post(review_url(course), {"rating": "4", "text": "Clear."})
    student_client.post(review_url(course), {"rating": "2", "text": "Changed my mind."})

    instructor = course.instructors.get()
    notes = Notification.objects.filter(recipient=instructor, kind=Notification.Kind.NEW_REVIEW)
    assert notes.count() == 1


def test_posting_again_updates_the_one_review(student_client, student, course, enrollment):
    student_client.post(review_url(course), {"rating": "5", "text": "Great."})
    student_client.post(review_url(course), {"rating": "2", "text": "Less great."})

    review = Review.objects.get(course=course, student=student)
    assert (review.rating, review.text) == (2, "Less great.")
    assert _rating(course) == (Decimal("2.00"), 1)


def test_average_counts_visible_reviews_only(student, course, enrollment):
    others = [EnrollmentFactory(course=course).student for _ in range(2)]
    review_upsert(student=student, course=course, rating=5)
    review_upsert(student=others[0], course=course, rating=4)
    review_upsert(student=others[1], course=course, rating=2)
    assert _rating(course) == (Decimal("3.67"), 3)

    review_set_visibility(reviews=Review.objects.filter(student=others[1]), is_visible=False)
    assert _rating(course) == (Decimal("4.50"), 2)

    review_set_visibility(reviews=Review.objects.all(), is_visible=True)
    assert _rating(course) == (Decimal("3.67"), 3)


def test_student_deletes_their_review(student_client, student, course, enrollment):
    ReviewFactory(course=course, student=student, rating=1)
    ReviewFactory(course=course, rating=5)

    response = student_client.post(delete_url(course))

    assert response.status_code == 302
    assert not Review.objects.filter(student=student).exists()
    assert _rating(course) == (Decimal("5.00"), 1)


def test_nobody_edits_or_deletes_another_users_review(student_client, student, course, enrollment):
    theirs = ReviewFactory(course=course, rating=5, text="Theirs.")

    # Posting and deleting only ever touch the logged-in user's own review.
    student_client.post(review_url(course), {"rating": "1", "text": "Mine."})
    student_client.post(delete_url(course))
    assert student_client.post(delete_url(course)).status_code == 404

    theirs.refresh_from_db()
    assert (theirs.rating, theirs.text) == (5, "Theirs.")
    with pytest.raises(PermissionDenied):
        review_delete(student=student, review=theirs)
    assert Review.objects.filter(pk=theirs.pk).exists()


def test_not_enrolled_students_cannot_review(client, course):
    client.force_login(StudentFactory())

    assert client.post(review_url(course), {"rating": "5"}).status_code == 403
    assert not Review.objects.exists()


def test_revoked_students_cannot_review(student_client, course, enrollment):
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=Enrollment.Status.REVOKED, revoked_at=timezone.now()
    )

    assert student_client.post(review_url(course), {"rating": "5"}).status_code == 403
    assert not Review.objects.exists()


@pytest.mark.parametrize("rating", ["0", "6", "abc", ""])
def test_a_bad_rating_is_a_form_error(student_client, course, enrollment, rating):
    response = student_client.post(review_url(course), {"rating": rating, "text": "x"})

    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not Review.objects.exists()


def test_anonymous_review_goes_to_login(client, course):
    response = client.post(review_url(course), {"rating": "5"})

    assert "/accounts/login/" in response.url
    assert not Review.objects.exists()


def test_review_form_partial_is_for_enrolled_students(student_client, student, course, enrollment):
    from django.template import Context, Template
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = student
    template = Template("{% load progress_tags %}{% course_review_form course %}")
    html = template.render(Context({"request": request, "course": course}))
    assert "Rate this course" in html

    request.user = StudentFactory()
    assert "Rate this course" not in template.render(
        Context({"request": request, "course": course})
    )


def test_admin_hides_and_shows_reviews(client, admin_user, course):
    review = ReviewFactory(course=course, rating=1)
    ReviewFactory(course=course, rating=5)
    client.force_login(admin_user)
    changelist = reverse("admin:progress_review_changelist")

    client.post(changelist, {"action": "hide", "_selected_action": [review.pk]})
    review.refresh_from_db()
    assert review.is_visible is False
    assert _rating(course) == (Decimal("5.00"), 1)

    client.post(changelist, {"action": "show", "_selected_action": [review.pk]})
    assert _rating(course) == (Decimal("3.00"), 2)


def test_admin_revokes_enrollments_through_the_service(client, admin_user, course, enrollment):
    client.force_login(admin_user)

    client.post(
        reverse("admin:progress_enrollment_changelist"),
        {"action": "revoke", "_selected_action": [enrollment.pk]},
    )

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.REVOKED
    assert enrollment.revoked_at is not None


def test_admin_pages_render(client, admin_user, enrollment):
    ReviewFactory(course=enrollment.course)
    client.force_login(admin_user)

    for name in ("enrollment", "review", "lecturecompletion"):
        assert client.get(reverse(f"admin:progress_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:progress_enrollment_add")).status_code == 200
    change = reverse("admin:progress_enrollment_change", args=[enrollment.pk])
    assert client.get(change).status_code == 200


def test_admin_grants_an_enrollment_through_the_service(client, admin_user, course):
    client.force_login(admin_user)
    student = StudentFactory()

    response = client.post(
        reverse("admin:progress_enrollment_add"),
        {"student": student.pk, "course": course.pk, "source": "admin"},
    )

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(student=student, course=course)
    assert enrollment.source == Enrollment.Source.ADMIN
    course.refresh_from_db()
    assert course.enrollment_count == 1
    assert Notification.objects.filter(recipient=student, kind="enrolled").exists()


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_no_reviews_on_a_course_that_is_not_published(student, course, enrollment, status):
    Course.objects.filter(pk=course.pk).update(status=status)
    course.refresh_from_db()

    with pytest.raises(PermissionDenied):
        review_upsert(student=student, course=course, rating=5, text="Hidden course")
    assert not Review.objects.exists()

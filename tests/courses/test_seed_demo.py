"""`manage.py seed_demo`: a coherent demo catalog, idempotent, and never with DEBUG=False."""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from courses.models import Category, Course, Lecture
from demo.quizzes import QUIZZES
from progress.models import Enrollment, Review
from progress.services import enrollment_revoke

DEMO_LOGINS = {
    "student@example.com": ("edusphere-student", Role.STUDENT),
    "instructor@example.com": ("edusphere-instructor", Role.INSTRUCTOR),
    "admin@example.com": ("edusphere-admin", Role.ADMIN),
}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "courses", "progress", "payments", "notifications"}
    }


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_seed_demo_builds_a_browsable_catalog(db, debug, client):
    output = seed()

    assert Category.objects.count() >= 5
    published = Course.objects.published()
    assert 10 <= published.count() <= 14
    assert Course.objects.filter(status=Course.Status.DRAFT).exists()
    assert published.filter(price=0).exists() and published.filter(price__gt=0).exists()
    assert published.values("level").distinct().count() >= 3
    assert published.filter(is_featured=True).exists()
    for course in published:
        modules = list(course.modules.all())
        assert 2 <= len(modules) <= 4, course
        assert all(2 <= module.lectures.count() <= 5 for module in modules), course
        first = Lecture.objects.filter(module__course=course).order_by("module__order", "order")
        assert first[0].is_free_preview
    videos = Lecture.objects.filter(kind=Lecture.Kind.VIDEO)
    assert videos.exists()
    assert all(lecture.embed_url for lecture in videos)
    assert Lecture.objects.filter(kind=Lecture.Kind.TEXT, body__contains="## ").exists()

    for email, (password, role) in DEMO_LOGINS.items():
        user = User.objects.get(email=email)
        assert user.role == role
        assert user.check_password(password)
        assert email in output and password in output
    instructor = User.objects.get(email="instructor@example.com")
    assert instructor.taught_courses.filter(status=Course.Status.PUBLISHED).exists()
    student = User.objects.get(email="student@example.com")
    enrollments = list(student.enrollments.select_related("course"))
    assert 1 <= len(enrollments) <= 3  # two in progress, one finished (a certificate)
    assert all(e.course.is_free and e.completions.exists() for e in enrollments)

    assert client.get("/").status_code == 200
    assert client.get(published.first().get_absolute_url()).status_code == 200


def test_seed_demo_is_idempotent(db, debug):
    seed()
    before = row_counts()
    ratings = dict(Course.objects.values_list("slug", "rating_average"))
    seed()
    assert row_counts() == before
    assert dict(Course.objects.values_list("slug", "rating_average")) == ratings


def test_seed_demo_keeps_what_an_admin_changed(db, debug):
    seed()
    draft = Course.objects.get(status=Course.Status.DRAFT)
    draft.status = Course.Status.PUBLISHED
    draft.save()
    unpublished = Course.objects.get(slug="python-for-absolute-beginners")
    unpublished.status = Course.Status.DRAFT
    unpublished.save()
    renamed = Course.objects.get(slug="git-and-github-in-practice")
    renamed.title = "Git, the Admin's Cut"
    renamed.is_featured = True
    renamed.price = Decimal("9.00")
    renamed.save()
    colleague = User.objects.get(email="kenji.tanaka@example.com")
    Course.objects.get(slug="django-web-applications").instructors.add(colleague)
    dropped = Course.objects.get(slug="sql-for-data-analysis")
    dropped.instructors.clear()
    lecture = Lecture.objects.filter(module__course=renamed).order_by("module__order", "order")[0]
    lecture.body = "Rewritten by the admin."
    lecture.title = "Start here"
    lecture.save()
    deleted = Lecture.objects.filter(module__course=dropped).order_by("pk").last()
    deleted.delete()
    module = dropped.modules.order_by("order").first()
    module.title = "Querying, revised"
    module.save()
    instructor = User.objects.get(email="instructor@example.com")
    instructor.name = "Irene Renamed"
    instructor.set_role(Role.ADMIN)
    instructor.save()
    student = User.objects.get(email="student@example.com")
    student.set_password("something-else-entirely")
    student.save()
    category = Category.objects.get(slug="design")
    category.name = "Design & UX"
    category.save()
    review = Review.objects.filter(course=dropped).first()
    review.is_visible = False
    review.text = "Edited."
    review.save()
    enrollment = Enrollment.objects.get(student=student, course=renamed)
    enrollment_revoke(enrollment=enrollment)
    before = row_counts()

    output = seed()

    assert "0 created now" in output
    assert row_counts() == before  # nothing new, and the deleted lecture stays deleted
    assert not Lecture.objects.filter(pk=deleted.pk).exists()
    draft.refresh_from_db()
    assert draft.status == Course.Status.PUBLISHED
    unpublished.refresh_from_db()
    assert unpublished.status == Course.Status.DRAFT
    renamed.refresh_from_db()
    assert (renamed.title, renamed.is_featured, renamed.price) == (
        "Git, the Admin's Cut",
        True,
        Decimal("9.00"),
    )
    assert colleague in Course.objects.get(slug="django-web-applications").instructors.all()
    assert not dropped.instructors.exists()
    lecture.refresh_from_db()
    assert (lecture.title, lecture.body) == ("Start here", "Rewritten by the admin.")
    module.refresh_from_db()
    assert module.title == "Querying, revised"
    instructor.refresh_from_db()
    assert (instructor.name, instructor.role, instructor.is_staff) == (
        "Irene Renamed",
        Role.ADMIN,
        True,
    )
    student.refresh_from_db()
    assert student.check_password("something-else-entirely")
    category.refresh_from_db()
    assert category.name == "Design & UX"
    review.refresh_from_db()
    assert (review.is_visible, review.text) == (False, "Edited.")
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.REVOKED


def test_seed_demo_makes_a_deleted_demo_course_and_account_again(db, debug):
    seed()
    Course.objects.filter(slug="personal-finance-basics").delete()
    User.objects.filter(email="maria.garcia@example.com").delete()
    Lecture.objects.filter(module__course__slug="sql-for-data-analysis").delete()
    output = seed()
    assert "1 created now" in output
    course = Course.objects.get(slug="personal-finance-basics")
    assert course.modules.count() == 2
    assert Lecture.objects.filter(module__course=course).count() == 5
    maria = course.instructors.get()
    assert maria.email == "maria.garcia@example.com"
    assert not maria.has_usable_password()
    # An existing course is left alone, even emptied of its lectures.
    assert not Lecture.objects.filter(module__course__slug="sql-for-data-analysis").exists()


def test_seed_demo_second_run_only_reads(db, debug, django_assert_max_num_queries):
    seed()
    # One look-up per account, category and course (and the transaction), two per demo
    # quiz, two for the demo student's certificate; no write.
    budget = len(DEMO_LOGINS) + 6 + 6 + 13 + 2 + 2 * len(QUIZZES) + 2
    with django_assert_max_num_queries(budget) as queries:
        seed()
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if not q.startswith(("SELECT", "SAVEPOINT", "RELEASE"))]


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="DEBUG=True"):
        call_command("seed_demo", stdout=out, stderr=err)
    assert not User.objects.exists()
    assert not Course.objects.exists()
    assert "edusphere-" not in out.getvalue() + err.getvalue()


def test_demo_courses_sell_themselves(db, debug, client):
    # The course page's sections have something to show: outcomes, requirements, bios.
    seed()
    for course in Course.objects.all():
        assert course.learning_outcomes, course.slug
        assert course.requirement_items, course.slug
    teacher = User.objects.get(email="instructor@example.com")
    assert teacher.bio
    html = client.get("/courses/python-for-absolute-beginners/").content.decode()
    assert "Getting started" in html and teacher.bio[:40] in html

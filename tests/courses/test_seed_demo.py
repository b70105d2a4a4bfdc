"""`manage.py seed_demo`: a coherent demo catalog, idempotent, and never with DEBUG=False."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from courses.models import Category, Course, Lecture

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
    assert 1 <= len(enrollments) <= 2
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


def test_seed_demo_restores_a_changed_demo_password(db, debug):
    seed()
    user = User.objects.get(email="student@example.com")
    user.set_password("something-else-entirely")
    user.save()
    seed()
    user.refresh_from_db()
    assert user.check_password("edusphere-student")


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="DEBUG=True"):
        call_command("seed_demo", stdout=out, stderr=err)
    assert not User.objects.exists()
    assert not Course.objects.exists()
    assert "edusphere-" not in out.getvalue() + err.getvalue()

"""Who gets into the admin panel, and what its list pages cost in queries."""

import pytest
from django.contrib.auth.hashers import make_password

from accounts.models import Role, User
from tests.factories import CategoryFactory, CourseFactory, LectureFactory, ModuleFactory

PAGES = [
    "/admin/",
    "/admin/accounts/user/",
    "/admin/courses/course/",
    "/admin/courses/category/",
    "/admin/courses/module/",
    "/admin/courses/lecture/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role_fixture", [None, "student", "instructor"])
@pytest.mark.parametrize("url", PAGES)
def test_only_admins_get_in(request, client, role_fixture, url):
    if role_fixture:
        client.force_login(request.getfixturevalue(role_fixture))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_admin_gets_every_page(client, admin_user, url):
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "Edu Sphere administration" in response.content.decode()


@pytest.mark.django_db
def test_students_cannot_log_in_to_the_admin(client, student):
    from tests.factories import PASSWORD

    # The admin's login is the site's: a student signs in there, and the admin refuses them.
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": student.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def make_users(count: int) -> None:
    password = make_password(None)
    roles = [Role.STUDENT, Role.INSTRUCTOR]
    User.objects.bulk_create(
        User(email=f"bulk{i}@example.com", name=f"Bulk {i}", role=roles[i % 2], password=password)
        for i in range(count)
    )


def make_courses(count: int) -> None:
    categories = [CategoryFactory() for _ in range(3)]
    for i in range(count):
        course = CourseFactory(category=categories[i % 3])
        module = ModuleFactory(course=course, order=0)
        LectureFactory(module=module, order=0)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 60])
@pytest.mark.parametrize(
    "url", ["/admin/accounts/user/", "/admin/accounts/user/?role=instructor&q=bulk"]
)
def test_user_changelist_query_budget(
    client, admin_user, django_assert_max_num_queries, count, url
):
    make_users(count)
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 40])
@pytest.mark.parametrize(
    "url",
    [
        "/admin/courses/course/",
        "/admin/courses/course/?status__exact=published&q=course",
        "/admin/courses/module/",
        "/admin/courses/lecture/",
        "/admin/courses/category/",
    ],
)
def test_course_changelists_query_budget(
    client, admin_user, django_assert_max_num_queries, count, url
):
    make_courses(count)
    client.force_login(admin_user)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 3

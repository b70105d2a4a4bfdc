"""The header's links and static URLs, which every page shows and which are worked out once."""

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse
from django.views.defaults import permission_denied, server_error

from accounts.models import Role
from core.context_processors import NAV_VIEWS
from core.staticfiles import StaticFilesStorage
from tests.factories import AdminFactory, CourseFactory, InstructorFactory, StudentFactory

pytestmark = pytest.mark.django_db


# Written out, not reversed from NAV_VIEWS: a wrong view name there must fail here.
PATHS = {
    "home": "/",
    "catalog": "/courses/",
    "my_learning": "/learn/",
    "teach": "/teach/",
    "admin": "/admin/",
    "notifications": "/notifications/",
    "preferences": "/notifications/preferences/",
    "profile": "/accounts/profile/",
    "purchases": "/payments/orders/",
    "certificates": "/certificates/",
    "two_factor": "/accounts/2fa/",
    "login": "/accounts/login/",
    "signup": "/accounts/signup/",
    "logout": "/accounts/logout/",
}


def test_every_header_link_is_written_out_here():
    assert set(PATHS) == set(NAV_VIEWS)


def _header_links(html: str) -> set[str]:
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    return set(re.findall(r'(?:href|action)="([^"]+)"', header))


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("anonymous", ["home", "catalog", "login", "signup"], ["my_learning", "logout", "teach"]),
        (
            "student",
            [
                "home",
                "catalog",
                "my_learning",
                "notifications",
                "preferences",
                "profile",
                "purchases",
                "certificates",
                "logout",
            ],
            ["teach", "admin", "login"],
        ),
        ("instructor", ["my_learning", "teach", "logout"], ["admin"]),
        ("admin", ["teach", "admin", "logout"], ["login"]),
    ],
)
def test_the_header_links_each_role_to_its_pages(client, who, shown, hidden):
    factory = {"student": StudentFactory, "instructor": InstructorFactory, "admin": AdminFactory}
    if who != "anonymous":
        client.force_login(factory[who]())
    links = _header_links(client.get(reverse("courses:catalog")).content.decode())
    for key in shown:
        assert PATHS[key] in links, key
    for key in hidden:
        assert PATHS[key] not in links, key


def _teach_links(client) -> list[bool]:
    """Whether the main menu and the small-screen menu each link to /teach/."""
    html = client.get(reverse("courses:catalog")).content.decode()
    main = html.split('<nav class="nav-primary"', 1)[1].split("</nav>", 1)[0]
    small = html.split('<details class="dropdown nav-mobile">', 1)[1].split("</details>", 1)[0]
    return [f'href="{PATHS["teach"]}"' in menu for menu in (main, small)]


def test_the_header_follows_a_role_change_at_once(client, django_capture_on_commit_callbacks):
    # The header's menus are rendered once per role (CACHES["fragments"]), not per user.
    user = StudentFactory()
    client.force_login(user)
    assert _teach_links(client) == [False, False]

    user.role = Role.INSTRUCTOR
    with django_capture_on_commit_callbacks(execute=True):
        user.save()
    assert _teach_links(client) == [True, True]

    user.role = Role.STUDENT
    with django_capture_on_commit_callbacks(execute=True):
        user.save()
    assert _teach_links(client) == [False, False]


def test_a_visitor_who_logs_in_gets_the_learner_s_menus_at_once(client):
    catalog = reverse("courses:catalog")
    for logged_in in (False, True):
        html = client.get(catalog).content.decode()
        main = html.split('<nav class="nav-primary"', 1)[1].split("</nav>", 1)[0]
        small = html.split('<details class="dropdown nav-mobile">', 1)[1].split("</details>")[0]
        for menu in (main, small):
            assert (f'href="{PATHS["my_learning"]}"' in menu) is logged_in
        client.force_login(StudentFactory())


def _logout_tokens(html: str) -> list[str]:
    """The CSRF token of each log-out form (the user menu's, the small-screen menu's)."""
    forms = html.split('<form method="post" action="/accounts/logout/">')[1:]
    return [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1] for form in forms]


def test_each_page_s_log_out_button_carries_its_own_visitor_s_token():
    # The account links around it are cached for everyone; the token must not be.
    from django.contrib.auth import SESSION_KEY
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(StudentFactory())
    second_user = StudentFactory()
    second.force_login(second_user)
    first.get(reverse("courses:catalog"))
    tokens = _logout_tokens(second.get(reverse("courses:catalog")).content.decode())
    assert len(tokens) == 2

    for token in tokens:
        second.force_login(second_user)
        response = second.post(PATHS["logout"], {"csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert SESSION_KEY not in second.session


@override_settings(ROOT_URLCONF="tests.core.prefixed_urls")
def test_the_header_follows_a_changed_urlconf(client):
    # A site mounted elsewhere gets its own links. The header's cached fragments are not
    # keyed by the URLconf, which is fixed per process (each test starts with them cleared).
    links = _header_links(client.get("/site/courses/").content.decode())
    assert "/site/courses/" in links
    assert "/courses/" not in links


def _storage(tmp_path, paths):
    manifest = {"paths": paths, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_static_urls_are_the_hashed_names_and_stay_so(tmp_path):
    storage = _storage(tmp_path, {"css/site.css": "css/site.0123abcd.css"})

    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    storage.hashed_files["css/site.css"] = "css/site.ffff.css"  # the manifest is never reread
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"


def test_a_file_missing_from_the_manifest_is_an_error_every_time(tmp_path):
    storage = _storage(tmp_path, {})

    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("js/missing.js")


def test_a_forbidden_page_keeps_the_header_and_offers_a_way_on(client):
    client.force_login(StudentFactory())
    response = client.get("/teach/")
    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="site-header"' in html
    assert "This page is not open to you" in html
    assert 'href="/learn/"' in html.split("</header>", 1)[1]


def test_a_forbidden_page_offers_a_visitor_the_login(rf):
    request = rf.get("/teach/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert 'href="/accounts/login/?next=/teach/"' in html


def test_a_missing_page_keeps_the_header(client):
    response = client.get("/courses/no-such-course/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="site-header"' in html
    assert 'href="/courses/"' in html.split("</header>", 1)[1]


def test_the_server_error_page_needs_no_request_context(rf):
    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert 'class="site-header"' in html
    assert "Something went wrong on our side" in html


def test_every_page_has_a_description_for_search_engines(client):
    course = CourseFactory(status="published", subtitle="Rockets, simply explained.")
    for path in ["/", "/courses/", "/accounts/login/"]:
        html = client.get(path).content.decode()
        assert re.search(r'<meta name="description" content="[^"]{40,}">', html), path
    html = client.get(course.get_absolute_url()).content.decode()
    assert '<meta name="description" content="Rockets, simply explained.">' in html

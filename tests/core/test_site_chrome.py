"""The header's links and static URLs, which every page shows and which are worked out once."""

import json
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from core.context_processors import NAV_VIEWS
from core.staticfiles import StaticFilesStorage
from tests.factories import AdminFactory, InstructorFactory, StudentFactory

pytestmark = pytest.mark.django_db


# Written out, not reversed from NAV_VIEWS: a wrong view name there must fail here.
PATHS = {
    "home": "/",
    "catalog": "/courses/",
    "my_learning": "/learn/",
    "teach": "/teach/",
    "admin": "/admin/",
    "notifications": "/notifications/",
    "profile": "/accounts/profile/",
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
            ["home", "catalog", "my_learning", "notifications", "profile", "logout"],
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


@override_settings(ROOT_URLCONF="tests.core.prefixed_urls")
def test_the_header_follows_a_changed_urlconf(client):
    # Links are remembered per URLconf: a site mounted elsewhere must not get the old ones.
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

"""path_maker() builds exactly the paths reverse() would, for ids and slugs."""

import pytest
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from core.paths import path_maker


@pytest.mark.parametrize(
    ("viewname", "args"),
    [
        ("courses:detail", ["intro-to-python_2"]),
        ("progress:resume", ["a"]),
        ("progress:player", ["data-science-101", 7]),
        ("progress:player", ["x", 9876543210124]),
        ("progress:media", ["course", 12, "video"]),
    ],
)
def test_paths_match_reverse(viewname, args):
    assert path_maker(viewname, len(args))(*args) == reverse(viewname, args=args)


def test_a_wrong_number_of_arguments_is_an_error():
    with pytest.raises(ValueError):
        path_maker("progress:player", 2)("only-a-slug")


def test_paths_follow_the_urlconf_and_the_script_prefix():
    assert path_maker("courses:detail")("python") == "/courses/python/"
    with override_settings(ROOT_URLCONF="tests.core.prefixed_urls"):
        assert path_maker("courses:detail")("python") == "/site/courses/python/"
    set_script_prefix("/mounted/")
    try:
        assert path_maker("courses:detail")("python") == "/mounted/courses/python/"
    finally:
        set_script_prefix("/")
    assert path_maker("courses:detail")("python") == "/courses/python/"

"""The player and My learning read course content from the shared cache, never stale data.

A course's lectures (and its rendered outline, per outline state) are the same for every
learner, so pages read them from the cache; an edit shows once it commits, each learner still
sees their own progress, and the completion rule always reads the database.
"""

import re
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Lecture
from progress.models import LectureCompletion
from tests.factories import EnrollmentFactory, LectureFactory, StudentFactory
from tests.progress.conftest import complete_url, player_url

pytestmark = pytest.mark.django_db


def _states(html: str) -> dict[str, str]:
    """{lecture id: state} of the outline on a page."""
    return dict(re.findall(r'data-lecture-id="(\d+)" data-state="(\w+)"', html))


def test_a_second_view_reads_the_course_and_its_lectures_from_the_cache(
    student_client, course, lectures, enrollment
):
    url = player_url(course, lectures[0])
    with CaptureQueriesContext(connection) as first:
        student_client.get(url)
    with CaptureQueriesContext(connection) as second:
        assert student_client.get(url).status_code == 200

    def reads(queries, table):
        return [q["sql"] for q in queries if q["sql"].startswith("SELECT") and table in q["sql"]]

    assert len(reads(first, 'FROM "courses_course"')) == 1
    assert len(reads(first, 'FROM "courses_lecture"')) == 2  # the outline's rows, the lecture
    assert reads(second, 'FROM "courses_course"') == []
    assert reads(second, 'FROM "courses_lecture"') == []


@pytest.mark.parametrize(
    ("edited", "field", "shown"),
    [
        (0, "body", "<p>Fresh text</p>"),  # the lecture being played
        (1, "title", ">Fresh text<"),  # another lecture, in the outline
    ],
)
def test_an_edit_shows_in_the_player_once_committed(
    student_client,
    course,
    lectures,
    enrollment,
    django_capture_on_commit_callbacks,
    edited,
    field,
    shown,
):
    url = player_url(course, lectures[0])
    assert "Fresh text" not in student_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        setattr(lectures[edited], field, "Fresh text")
        lectures[edited].save()
    assert shown in student_client.get(url).content.decode()


def test_learners_sharing_the_cache_each_see_their_own_progress(
    client, course, lectures, enrollment
):
    ahead = enrollment
    behind = EnrollmentFactory(course=course, student=StudentFactory())
    LectureCompletion.objects.create(enrollment=ahead, lecture=lectures[0])
    url = player_url(course, lectures[0])

    client.force_login(ahead.student)
    ahead_states = _states(client.get(url).content.decode())
    client.force_login(behind.student)
    behind_states = _states(client.get(url).content.decode())
    client.force_login(ahead.student)
    ahead_again = _states(client.get(url).content.decode())

    second = str(lectures[1].pk)
    assert ahead_states[str(lectures[0].pk)] == "completed"
    assert ahead_states[second] == "available"
    assert behind_states[str(lectures[0].pk)] == "available"
    assert behind_states[second] == "locked"
    assert ahead_again == ahead_states


def test_the_current_lecture_is_marked_on_every_page_of_a_shared_outline(
    student_client, course, lectures, enrollment
):
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    for lecture in lectures[:2]:
        html = student_client.get(player_url(course, lecture)).content.decode()
        current = re.findall(r'<a href="([^"]+)" aria-current="page"[^>]*>', html)
        assert current == [player_url(course, lecture)]


def test_instructors_drafts_never_reach_a_student_through_the_cache(
    client, course, lectures, enrollment, instructor
):
    Lecture.objects.filter(pk=lectures[1].pk).update(is_published=False, title="Secret draft")
    client.force_login(instructor)
    assert "Secret draft" in client.get(player_url(course, lectures[0])).content.decode()
    client.force_login(enrollment.student)
    html = client.get(player_url(course, lectures[0])).content.decode()
    assert "Secret draft" not in html
    assert str(lectures[1].pk) not in _states(html)


def test_completion_reads_the_lectures_fresh_not_from_the_cache(
    student_client, course, lectures, enrollment
):
    student_client.get(player_url(course, lectures[0]))  # the cache now holds L1 as published
    # Unpublished by a transaction whose cache refresh has not run yet.
    Lecture.objects.filter(pk=lectures[0].pk).update(is_published=False)
    response = student_client.post(complete_url(course, lectures[0]))
    assert response.status_code == 404
    assert not LectureCompletion.objects.exists()


def test_my_learning_progress_and_links_follow_committed_changes(
    student_client, course, lectures, enrollment, django_capture_on_commit_callbacks
):
    committed = partial(django_capture_on_commit_callbacks, execute=True)
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    html = student_client.get(reverse("progress:my_learning")).content.decode()
    assert 'value="25"' in html
    assert f'href="{course.get_absolute_url()}"' in html
    assert f'href="{course.get_learn_url()}"' in html

    with committed():
        lectures[3].delete()
    html = student_client.get(reverse("progress:my_learning")).content.decode()
    assert 'value="33"' in html


def test_completing_a_lecture_the_cache_does_not_know_yet(
    student_client, course, lectures, enrollment
):
    student_client.get(player_url(course, lectures[0]))  # the shared rows: four lectures
    # Committed, but its cache refresh has not run yet.
    new = LectureFactory(module=lectures[-1].module, order=9, is_free_preview=True)
    response = student_client.post(complete_url(course, new), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'data-lecture-id="{new.pk}" data-state="completed"' in response.content.decode()


def test_each_process_keeps_the_rendered_outline_in_its_own_memory(
    student_client, course, lectures, enrollment
):
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache
    from django.test.signals import template_rendered

    def outline_keys(alias):
        backend = caches[alias]
        if isinstance(backend, LocMemCache):
            return {key for key in backend._cache if "template.cache.course-outline." in key}
        client = backend._cache.get_client(None)  # Redis, the shared cache in CI
        return set(client.keys("*template.cache.course-outline.*"))

    renders = []

    def rendered(sender, template, **kwargs):
        if template.name == "progress/_outline_entries.html":
            renders.append(template.name)

    template_rendered.connect(rendered)
    try:
        url = player_url(course, lectures[0])
        student_client.get(url)
        assert len(renders) == 1
        assert len(outline_keys("fragments")) == 1
        assert outline_keys("default") == set()
        html = student_client.get(url).content.decode()
        assert len(renders) == 1  # served from the process's memory, not rendered again
    finally:
        template_rendered.disconnect(rendered)
    assert _states(html)[str(lectures[0].pk)] == "available"

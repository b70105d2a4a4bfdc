"""The classroom as students see it: the player's page, finishing a course, rating it."""

import re
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from courses.models import Lecture
from progress.models import Enrollment, LectureCompletion, Review
from progress.selectors import without_title_heading
from progress.services import lecture_complete
from tests.factories import LectureFactory, ReviewFactory
from tests.progress.conftest import complete_url, player_url

pytestmark = pytest.mark.django_db

MY_LEARNING = reverse("progress:my_learning")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    # Cached pages follow a change once it commits (the cache versions move on commit).
    return partial(django_capture_on_commit_callbacks, execute=True)


def _finish(student, course, lectures):
    for lecture in lectures:
        lecture_complete(user=student, course=course, lecture=lecture)


# --- The player's page --------------------------------------------------------------------


def test_the_lecture_title_is_the_one_h1_and_a_body_repeating_it_drops_its_heading(
    student_client, course, lectures, enrollment
):
    Lecture.objects.filter(pk=lectures[0].pk).update(
        title="Your first script", body="## Your  first script\n\nHello **there**."
    )

    html = student_client.get(player_url(course, lectures[0])).content.decode()

    assert re.findall(r"<h1[^>]*>(.*?)</h1>", html) == ["Your first script"]
    assert html.count("Your first script</h") == 1
    assert "Hello <strong>there</strong>" in html


def test_a_body_heading_that_is_not_the_title_stays(student_client, course, lectures, enrollment):
    Lecture.objects.filter(pk=lectures[0].pk).update(body="## Before we start\n\nText.")

    html = student_client.get(player_url(course, lectures[0])).content.decode()

    assert "<h2>Before we start</h2>" in html


def _preview_pills(html):
    return html.count('<span class="pill pill-info">Preview</span>')


def test_preview_pills_are_for_visitors_who_are_not_enrolled(
    client, student, course, lectures, enrollment, committed
):
    # The outline is cached per point of the course: the enrolled student's page must not
    # be served to a visitor, nor the visitor's to the student, whichever comes first.
    preview = lectures[3]
    assert _preview_pills(client.get(player_url(course, preview)).content.decode()) == 1

    client.force_login(student)
    assert _preview_pills(client.get(player_url(course, preview)).content.decode()) == 0

    client.logout()
    assert _preview_pills(client.get(player_url(course, preview)).content.decode()) == 1


def test_the_lesson_comes_before_the_outline_which_is_a_link_away(
    student_client, course, lectures, enrollment
):
    html = student_client.get(player_url(course, lectures[0])).content.decode()

    assert html.index('id="lesson"') < html.index('id="outline"')
    assert 'href="#outline"' in html
    # The lock icons' sprite takes no room even where the hidden attribute is ignored.
    assert re.search(r'<svg class="icon-sprite" width="0" height="0"[^>]*hidden>', html)


def test_progress_is_a_full_bar_with_its_figures_in_text(
    student_client, course, lectures, enrollment
):
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])

    html = student_client.get(player_url(course, lectures[1])).content.decode()

    bar = r'<progress id="course-progress-bar" class="progress-bar"[^>]*value="25"'
    assert re.search(bar, html)
    assert "25% complete" in html
    assert "1 of 4 lectures" in html


def test_a_video_file_has_an_error_state_and_a_download_link(
    student_client, course, lectures, enrollment
):
    Lecture.objects.filter(pk=lectures[0].pk).update(
        kind=Lecture.Kind.VIDEO, video_file="private/lectures/broken.mp4"
    )

    html = student_client.get(player_url(course, lectures[0])).content.decode()

    video_url = reverse("progress:media", args=[course.slug, lectures[0].pk, "video"])
    error = r'<div class="alert alert-danger video-error"[^>]*data-video-error hidden>'
    assert re.search(error, html)
    assert "The video could not be loaded." in html
    assert f'<a href="{video_url}">Download the video</a>' in html
    assert "js/player" in html


@pytest.mark.parametrize(
    ("provider", "video_id", "watch", "name"),
    [
        ("youtube", "dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "YouTube"),
        ("vimeo", "76979871", "https://vimeo.com/76979871", "Vimeo"),
    ],
)
def test_an_embedded_video_links_to_its_provider(
    student_client, course, lectures, enrollment, provider, video_id, watch, name
):
    Lecture.objects.filter(pk=lectures[0].pk).update(
        kind=Lecture.Kind.VIDEO, video_provider=provider, video_id=video_id
    )

    html = student_client.get(player_url(course, lectures[0])).content.decode()

    assert "If the video does not load," in html
    assert f'<a href="{watch}" rel="noopener noreferrer">open it on {name}</a>' in html


# --- Focus after "Mark as complete" and the way back without JavaScript --------------------


def _autofocused(html):
    return re.findall(r"<(\w+)[^>]*\bautofocus\b[^>]*>", html)


def test_after_completing_focus_goes_to_the_next_lecture_link(
    student_client, course, lectures, enrollment
):
    html = student_client.post(complete_url(course, lectures[0]), headers=HTMX).content.decode()

    assert re.search(r'<a [^>]*rel="next" autofocus>Next: L2', html)
    assert len(_autofocused(html)) == 1
    # A page loaded in full focuses nothing by itself.
    assert _autofocused(student_client.get(player_url(course, lectures[1])).content.decode()) == []


def test_after_the_last_lecture_focus_goes_to_the_course_complete_panel(
    student_client, course, lectures, enrollment
):
    for lecture in lectures[:-1]:
        LectureCompletion.objects.create(enrollment=enrollment, lecture=lecture)

    html = student_client.post(complete_url(course, lectures[-1]), headers=HTMX).content.decode()

    assert re.search(r'<section class="course-complete"[^>]*autofocus>', html)
    assert _autofocused(html) == ["section"]


def test_without_javascript_the_last_lecture_lands_on_the_course_complete_panel(
    student_client, course, lectures, enrollment
):
    for lecture in lectures[:-1]:
        LectureCompletion.objects.create(enrollment=enrollment, lecture=lecture)

    response = student_client.post(complete_url(course, lectures[-1]))

    assert response.url == player_url(course, lectures[-1]) + "#lecture-complete"
    html = student_client.get(response.url).content.decode()
    assert 'id="lecture-complete"' in html and "Course complete" in html


# --- A finished course ----------------------------------------------------------------------


def test_the_player_shows_a_course_complete_panel_with_the_date_and_ways_on(
    student_client, student, course, lectures, enrollment, committed
):
    html = student_client.get(player_url(course, lectures[0])).content.decode()
    assert "Course complete" not in html

    with committed():
        _finish(student, course, lectures)
    enrollment.refresh_from_db()

    html = student_client.get(player_url(course, lectures[-1])).content.decode()
    panel = html[html.index('<section class="course-complete"') :]
    panel = panel[: panel.index("</section>")]
    assert "<h2" in panel and "Course complete" in panel
    assert date_format(enrollment.completed_at) in panel
    assert f'datetime="{enrollment.completed_at.isoformat()}"' in panel
    assert 'href="#course-review"' in panel
    assert f'href="{MY_LEARNING}"' in panel
    assert f'href="{reverse("courses:catalog")}"' in panel
    assert 'id="course-review"' in html and "Rate this course" in html


def test_my_learning_says_completed_with_the_date_instead_of_continue(
    student_client, student, course, lectures, enrollment
):
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lecture=lectures[0])
    _finish(student, course, lectures)
    enrollment.refresh_from_db()

    html = student_client.get(MY_LEARNING).content.decode()

    assert "✓ Completed" in html
    assert f'<time datetime="{enrollment.completed_at.isoformat()}">' in html
    assert date_format(enrollment.completed_at) in html
    assert ">Continue<" not in html
    assert "Revisit" in html


def test_a_course_that_gains_a_lecture_is_in_progress_again_and_keeps_its_first_date(
    student_client, student, course, lectures, enrollment, committed
):
    with committed():
        _finish(student, course, lectures)
    enrollment.refresh_from_db()
    first = enrollment.completed_at
    assert first is not None
    assert "✓ Completed" in student_client.get(MY_LEARNING).content.decode()

    with committed():
        added = LectureFactory(module=lectures[-1].module, order=9, title="Bonus")

    # Not cleared: the date is when the student first finished (one congratulation only);
    # the pages follow the progress, which is no longer 100%.
    enrollment.refresh_from_db()
    assert enrollment.completed_at == first
    html = student_client.get(MY_LEARNING).content.decode()
    assert "Completed" not in html
    assert "80% complete" in html and ">Continue<" in html
    player = student_client.get(player_url(course, added)).content.decode()
    assert "Course complete" not in player
    assert "Mark as complete" in player

    with committed():
        lecture_complete(user=student, course=course, lecture=added)
    enrollment.refresh_from_db()
    assert enrollment.completed_at == first
    html = student_client.get(MY_LEARNING).content.decode()
    assert "✓ Completed" in html and date_format(first) in html


def test_the_course_page_offers_to_continue_once_a_finished_course_gains_a_lecture(
    student_client, student, course, lectures, enrollment, committed
):
    """The course page says "Completed" only while every published lecture is done."""
    with committed():
        _finish(student, course, lectures)
    html = student_client.get(course.get_absolute_url()).content.decode()
    assert "Completed" in html and "Continue learning" not in html

    with committed():
        added = LectureFactory(module=lectures[-1].module, order=9, title="Bonus")
    html = student_client.get(course.get_absolute_url()).content.decode()
    assert "Continue learning" in html and "Completed" not in html

    with committed():
        lecture_complete(user=student, course=course, lecture=added)
    enrollment.refresh_from_db()
    html = student_client.get(course.get_absolute_url()).content.decode()
    assert "Completed" in html and date_format(enrollment.completed_at) in html


def test_completed_at_is_set_by_the_last_lecture_only(student, course, lectures, enrollment):
    _finish(student, course, lectures[:-1])
    enrollment.refresh_from_db()
    assert enrollment.completed_at is None

    before = timezone.now()
    lecture_complete(user=student, course=course, lecture=lectures[-1])
    enrollment.refresh_from_db()
    assert enrollment.completed_at >= before


# --- Rating: five star radio buttons, none chosen in advance --------------------------------


def _radios(html):
    return re.findall(r'<input type="radio"[^>]*name="rating"[^>]*>', html)


def test_the_review_form_has_five_star_radios_in_a_fieldset_with_none_checked(
    student_client, student, course, lectures, enrollment
):
    _finish(student, course, lectures)

    html = student_client.get(player_url(course, lectures[-1])).content.decode()

    radios = _radios(html)
    assert len(radios) == 5
    assert not [radio for radio in radios if "checked" in radio]
    assert all(" required" in radio for radio in radios)
    assert "<select" not in html
    fieldset = html[html.index('<fieldset class="star-rating') : html.index("</fieldset>")]
    assert re.search(r"<legend>Rating\b", fieldset)
    for n, label in enumerate(["1 star", "2 stars", "3 stars", "4 stars", "5 stars"], 1):
        assert f'value="{n}" id="id_rating_{n - 1}"' in fieldset
        label_html = rf'<label class="star-label" for="id_rating_{n - 1}">.*?{label}<'
        assert re.search(label_html, fieldset)


def test_the_review_form_shows_the_students_own_rating(
    student_client, student, course, lectures, enrollment
):
    _finish(student, course, lectures)
    ReviewFactory(course=course, student=student, rating=3, text="Good.")

    html = student_client.get(player_url(course, lectures[-1])).content.decode()

    checked = [radio for radio in _radios(html) if "checked" in radio]
    assert len(checked) == 1 and 'value="3"' in checked[0]
    assert ">Good.</textarea>" in html


def test_a_review_without_a_rating_is_refused_with_one_error(student_client, course, enrollment):
    response = student_client.post(
        reverse("progress:review", args=[course.slug]), {"text": "Loved it"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("Choose a rating from 1 to 5 stars.") == 1
    assert len(_radios(html)) == 5
    assert ">Loved it</textarea>" in html  # what the student wrote is kept
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("body", "title", "expected"),
    [
        # The title heading cut, the rest moved up: h3 follows the page's h1 as h2.
        ("<h2>Intro</h2><p>x</p><h3>Worked</h3><h4>Deeper</h4>", "Intro",
         "<p>x</p><h2>Worked</h2><h3>Deeper</h3>"),
        # A body written with "#" makes no second h1.
        ("<h1>Big</h1><h2>Sub</h2>", "Other", "<h2>Big</h2><h3>Sub</h3>"),
        ("<h2>A</h2><h3>B</h3>", "Other", "<h2>A</h2><h3>B</h3>"),
        ("<p>See <code>&lt;h3&gt;</code></p>", "x", "<p>See <code>&lt;h3&gt;</code></p>"),
    ],
)  # fmt: skip
def test_lesson_headings_start_at_h2(body, title, expected):
    assert without_title_heading(body, title) == expected

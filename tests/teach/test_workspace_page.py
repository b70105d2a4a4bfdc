"""What the workspace pages offer: new lectures as drafts, links to analytics and details."""

from django.urls import reverse

from courses.models import Lecture
from teaching import services
from tests.assessment.conftest import single
from tests.factories import LectureFactory
from tests.teach.helpers import lecture_data


def test_the_new_lecture_form_starts_as_a_draft(teacher, course):
    module = course.modules.get(order=0)

    response = teacher.get(reverse("teach:lecture_create", args=[course.slug, module.pk]))

    assert response.status_code == 200
    field = response.context["form"]["is_published"]
    assert field.value() is False
    assert 'name="is_published"' in str(field) and "checked" not in str(field)


def test_a_lecture_saved_without_ticking_published_is_a_draft(teacher, course):
    module = course.modules.get(order=0)

    teacher.post(
        reverse("teach:lecture_create", args=[course.slug, module.pk]),
        lecture_data(module, title="Unfinished", is_published=None),
    )

    assert not Lecture.objects.get(title="Unfinished").is_published


def test_the_lecture_service_makes_drafts_unless_told_otherwise(instructor, course):
    module = course.modules.get(order=0)

    lecture = services.lecture_create(actor=instructor, module=module, title="Quiet")

    assert not lecture.is_published


def test_analytics_and_details_are_linked_from_the_course_list_and_the_workspace(teacher, course):
    analytics = reverse("dashboards:course_analytics", args=[course.slug])
    details = reverse("teach:course_edit", args=[course.slug])

    listing = teacher.get(reverse("teach:course_list")).content.decode()
    workspace = teacher.get(reverse("teach:workspace", args=[course.slug])).content.decode()

    for html in (listing, workspace):
        assert f'href="{analytics}"' in html
        assert f'href="{details}"' in html
    assert teacher.get(analytics).status_code == 200


def test_workspace_rows_offer_one_primary_action_and_a_menu(teacher, course):
    html = teacher.get(reverse("teach:workspace", args=[course.slug])).content.decode()

    rows = Lecture.objects.filter(module__course=course).count() + course.modules.count()
    assert html.count('class="dropdown ws-menu"') == rows
    assert html.count(">Edit<") == rows
    # Publish and Delete live in the menus, not as buttons on the rows.
    assert 'button button-small">Publish' not in html
    assert "Drag a row by its handle" in html  # hidden until workspace.js runs
    assert "sortablejs/Sortable-1.15.7.min.js" in html and "js/workspace.js" in html


NO_QUESTIONS = "No questions: students cannot get past it"


def test_a_published_quiz_without_questions_is_flagged_in_the_workspace(
    teacher, instructor, course
):
    """The workspace warns about a published quiz that would stop every student."""
    module = course.modules.get(order=0)
    empty = services.lecture_create(
        actor=instructor, module=module, title="Empty", kind="quiz", is_published=True
    )
    draft = services.lecture_create(actor=instructor, module=module, title="Draft", kind="quiz")
    ready = services.lecture_create(
        actor=instructor, module=module, title="Ready", kind="quiz", is_published=True
    )
    single(ready.quiz)
    # A quiz lecture whose quiz row is missing (deleted in the admin) stops students too.
    bare = LectureFactory(module=module, order=9, kind="quiz", body="", is_published=True)

    html = teacher.get(reverse("teach:workspace", args=[course.slug])).content.decode()

    def row(lecture):
        start = html.index(f'id="lecture-{lecture.pk}"')
        return html[start : html.index("</li>", start)]

    assert NO_QUESTIONS in row(empty) and NO_QUESTIONS in row(bare)
    assert NO_QUESTIONS not in row(draft) and NO_QUESTIONS not in row(ready)
    assert html.count(NO_QUESTIONS) == 2


def test_a_quiz_in_a_draft_module_is_not_flagged(teacher, instructor, course):
    """A quiz students cannot see yet needs no warning."""
    module = services.module_create(
        actor=instructor, course=course, title="Later", is_published=False
    )
    services.lecture_create(
        actor=instructor, module=module, title="Empty", kind="quiz", is_published=True
    )

    html = teacher.get(reverse("teach:workspace", args=[course.slug])).content.decode()

    assert NO_QUESTIONS not in html

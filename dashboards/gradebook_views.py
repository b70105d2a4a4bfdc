"""The gradebook of a course for its managers: grades, a CSV export, question analytics, and
one more attempt for a student. Instructors of the course and admins only (404 for anyone
else, as the course analytics)."""

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from assessment import gradebook
from assessment.services import extra_attempt_grant
from dashboards.selectors import analytics_course

PAGE_SIZE = 50


class GradebookFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search students"), max_length=100, required=False)
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        choices=[
            (gradebook.SORT_NAME, gettext_lazy("Name")),
            (gradebook.SORT_EMAIL, gettext_lazy("Email")),
            (gradebook.SORT_RECENT, gettext_lazy("Newest enrollment")),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(type="search", placeholder=_("Name or email"))

    def query(self) -> tuple[str, str]:
        """The search and the sort asked for; bad values fall back to none and by name."""
        if not self.is_valid():
            return "", gradebook.SORT_NAME
        return self.cleaned_data["q"].strip(), self.cleaned_data["sort"] or gradebook.SORT_NAME


class GrantAttemptForm(forms.Form):
    """Whom to give one more attempt: a student enrolled (active) in the course."""

    # Bounded to what a database id can hold: a bigger number is an error, never a 500.
    student = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course

    def clean_student(self) -> int:
        student_id = gradebook.enrolled_student_id(
            course=self.course, student_id=self.cleaned_data["student"]
        )
        if student_id is None:
            raise forms.ValidationError(
                _("Only a student enrolled in the course can be given more attempts.")
            )
        return student_id


def _managed_course(request, slug):
    course = analytics_course(user=request.user, slug=slug)
    if course is None:
        raise Http404
    return course


@login_required
@require_GET
def gradebook_view(request, slug):
    course = _managed_course(request, slug)
    form = GradebookFilterForm(request.GET)
    query, sort = form.query()
    quizzes = gradebook.gradebook_quizzes(course=course)
    page = Paginator(
        gradebook.gradebook_students(course=course, query=query, sort=sort), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = gradebook.gradebook_rows(quizzes=quizzes, students=page.object_list)
    return render(
        request,
        "dashboards/gradebook.html",
        {
            "course": course,
            "form": form,
            "query": query,
            "quizzes": quizzes,
            "rows": rows,
            "page_obj": page,
            "here": request.get_full_path(),
        },
    )


def csv_cell(value) -> str:
    """`value` as a CSV cell a spreadsheet shows as text, never runs as a formula.

    Names, emails and titles come from users; one starting with = + - @ (or a tab or a
    carriage return, which some spreadsheets skip before reading a formula) is prefixed
    with an apostrophe, as OWASP advises.
    """
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write() returns the line, so csv.writer feeds a stream."""

    def write(self, value):
        return value


def _csv_lines(course, quizzes):
    writer = csv.writer(_Echo())
    header = [_("Name"), _("Email"), _("Enrolled")]
    for quiz in quizzes:
        header += [
            _("%(quiz)s: best score (%%)") % {"quiz": quiz.title},
            _("%(quiz)s: attempts used") % {"quiz": quiz.title},
            _("%(quiz)s: attempts allowed") % {"quiz": quiz.title},
            _("%(quiz)s: passed") % {"quiz": quiz.title},
        ]
    yield writer.writerow([csv_cell(h) for h in header])
    yes, no = _("yes"), _("no")
    for row in gradebook.gradebook_all_rows(course=course, quizzes=quizzes):
        # The day in the site's time zone, as the pages show it (enrolled_at is stored in UTC).
        enrolled = timezone.localdate(row.enrolled_at).isoformat()
        line = [csv_cell(row.name), csv_cell(row.email), enrolled]
        for cell in row.cells:
            line += [
                "" if cell.best_score is None else str(cell.best_score),
                str(cell.attempts_used),
                "" if cell.attempts_allowed is None else str(cell.attempts_allowed),
                yes if cell.passed else no,
            ]
        yield writer.writerow(line)


@login_required
@require_GET
def gradebook_csv_view(request, slug):
    """Every active student of the course, one row each; streamed, read in chunks."""
    course = _managed_course(request, slug)
    quizzes = gradebook.gradebook_quizzes(course=course)
    response = StreamingHttpResponse(
        _csv_lines(course, quizzes), content_type="text/csv; charset=utf-8"
    )
    filename = f"gradebook-{slugify(course.slug)}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def gradebook_quiz_view(request, slug, lecture_id):
    course = _managed_course(request, slug)
    quiz = gradebook.gradebook_quiz(course=course, lecture_id=lecture_id)
    if quiz is None:
        raise Http404
    return render(
        request,
        "dashboards/gradebook_quiz.html",
        {
            "course": course,
            "quiz": quiz,
            "analytics": gradebook.question_analytics(quiz=quiz),
        },
    )


def _back(request, course) -> str:
    """Where to go after a grant: the gradebook page it came from (search and page kept)."""
    target = request.POST.get("next", "")
    home = reverse("dashboards:gradebook", args=[course.slug])
    if target.startswith(home) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return home


@login_required
@require_POST
def gradebook_grant_view(request, slug, lecture_id):
    """Give an enrolled student one more attempt at a quiz that limits attempts."""
    course = _managed_course(request, slug)
    quiz = gradebook.gradebook_quiz(course=course, lecture_id=lecture_id)
    if quiz is None:
        raise Http404
    back = _back(request, course)
    if quiz.attempts_allowed is None:
        messages.error(request, _("This quiz allows unlimited attempts already."))
        return redirect(back)
    form = GrantAttemptForm(request.POST, course=course)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    student = User.objects.get(pk=form.cleaned_data["student"])
    try:
        extra_attempt_grant(actor=request.user, quiz=quiz, student=student)
    except PermissionDenied:
        raise Http404 from None
    messages.success(
        request,
        _("%(student)s has one more attempt at “%(quiz)s”.")
        % {"student": student.display_name, "quiz": quiz.lecture.title},
    )
    return redirect(back)

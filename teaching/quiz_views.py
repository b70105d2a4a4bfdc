"""Quiz authoring in the workspace: a quiz lecture's settings, questions and GIFT files.

The same rules as every other lecture: the course is looked up among the user's editable
courses (another instructor's course is a 404, anonymous users go to the login page), and
the services in assessment.authoring check the actor again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import authoring
from assessment.models import Question, Quiz
from assessment.selectors import quiz_gift_export
from assessment.services import quiz_gift_import
from core.numbers import parse_id
from courses.models import Lecture
from teaching.forms import MoveForm
from teaching.quiz_forms import (
    AddQuestionForm,
    GiftImportForm,
    QuestionForm,
    QuestionOrderForm,
    QuizSettingsForm,
    choice_formset,
    more_rows,
)
from teaching.views import INVALID, _add_errors, _course, _gone_is_404, _lecture


def _quiz_lecture(request, slug, lecture_id):
    """The course and quiz lecture of a quiz URL; a lecture of another kind is a 404."""
    course = _course(request, slug)
    lecture = _lecture(course, lecture_id)
    if lecture.kind != Lecture.Kind.QUIZ:
        raise Http404
    return course, lecture


def _quiz_or_default(lecture) -> Quiz:
    """The lecture's quiz; a quiz lecture made in the admin has none until first edited,
    and shows the default settings meanwhile (nothing is written on a GET)."""
    return Quiz.objects.filter(lecture=lecture).first() or Quiz(lecture=lecture)


def _question(lecture, question_id) -> Question:
    return get_object_or_404(
        Question.objects.select_related("quiz"), pk=question_id, quiz__lecture=lecture
    )


def _editor_url(course, lecture, anchor: str = "") -> str:
    url = reverse("teach:quiz_edit", args=[course.slug, lecture.pk])
    return f"{url}#{anchor}" if anchor else url


def _focus_target(pks: list[int], pk: int, control: str) -> dict | None:
    """Which button of moved question `pk` gets the focus: the one used, or the other one
    when the question reached the end (that one is disabled then), else its Edit link."""
    if pk not in pks or control not in ("up", "down"):
        return None
    index = pks.index(pk)
    enabled = {"up": index > 0, "down": index < len(pks) - 1}
    if not enabled[control]:
        control = "down" if control == "up" else "up"
    return {"question": pk, "control": control if enabled[control] else "edit"}


def _moved_focus(request, questions) -> dict | None:
    """`?moved=12-down` after a move without JavaScript: focus that button again (the URL's
    fragment names it too; the `autofocus` is for browsers that only scroll there)."""
    pk, _sep, control = request.GET.get("moved", "").partition("-")
    question_id = parse_id(pk)
    if question_id is None:
        return None
    return _focus_target([question.pk for question in questions], question_id, control)


def _editor(request, course, lecture, *, settings_form=None, import_form=None, status=200):
    quiz = _quiz_or_default(lecture)
    questions = (
        list(quiz.questions.order_by("order", "pk").annotate(choice_count=Count("choices")))
        if quiz.pk
        else []
    )
    attempt_count = quiz.attempts.count() if quiz.pk else 0
    context = {
        "course": course,
        "lecture": lecture,
        "quiz": quiz,
        "questions": questions,
        "total_points": sum(question.points for question in questions),
        "attempt_count": attempt_count,
        "settings_form": settings_form or QuizSettingsForm(quiz=quiz),
        "import_form": import_form or GiftImportForm(),
        "add_form": AddQuestionForm(),
        "focus": _moved_focus(request, questions),
        "student_url": reverse("assessment:quiz", args=[course.slug, lecture.pk]),
    }
    return render(request, "teaching/quiz_editor.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@_gone_is_404
def quiz_edit(request, slug, lecture_id):
    """The quiz editor: its questions, its settings (this form posts here) and GIFT files."""
    course, lecture = _quiz_lecture(request, slug, lecture_id)
    if request.method == "GET":
        return _editor(request, course, lecture)
    form = QuizSettingsForm(request.POST, quiz=_quiz_or_default(lecture))
    if form.is_valid():
        try:
            quiz = authoring.quiz_ensure(actor=request.user, lecture=lecture)
            authoring.quiz_settings_update(actor=request.user, quiz=quiz, **form.service_kwargs())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Quiz settings saved."))
            return redirect(_editor_url(course, lecture, "settings"))
    return _editor(request, course, lecture, settings_form=form, status=INVALID)


def _question_page(request, course, lecture, form, formset, *, question=None, status=200):
    return render(
        request,
        "teaching/quiz_question_form.html",
        {
            "course": course,
            "lecture": lecture,
            "question": question,
            "kind": form.kind,
            "kind_label": Question.Kind(form.kind).label,
            "form": form,
            "formset": formset,
            "editor_url": _editor_url(course, lecture),
        },
        status=status,
    )


def _save_question(request, course, lecture, *, kind, question=None):
    """POST of a question form: show more choice rows, or validate and save."""
    is_choice = kind in Question.CHOICE_KINDS
    form = QuestionForm(request.POST, kind=kind, question=question)
    formset = choice_formset(kind=kind, data=request.POST, question=question) if is_choice else None
    if is_choice and "more_choices" in request.POST:
        form, formset = more_rows(form, formset)
        return _question_page(request, course, lecture, form, formset, question=question)
    valid = form.is_valid()
    valid = (formset.is_valid() if is_choice else True) and valid
    if valid:
        fields = form.question_fields(choices=formset.choices() if is_choice else [])
        try:
            if question is None:
                quiz = authoring.quiz_ensure(actor=request.user, lecture=lecture)
                question = authoring.question_create(
                    actor=request.user, quiz=quiz, kind=kind, fields=fields
                )
                messages.success(request, _("Question added."))
            else:
                authoring.question_update(actor=request.user, question=question, fields=fields)
                messages.success(request, _("Question saved."))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect(_editor_url(course, lecture, f"question-{question.pk}"))
    return _question_page(
        request, course, lecture, form, formset, question=question, status=INVALID
    )


@login_required
@require_http_methods(["GET", "POST"])
@_gone_is_404
def question_create(request, slug, lecture_id):
    """A new question of the kind in `?kind=` (the editor's picker sends it)."""
    course, lecture = _quiz_lecture(request, slug, lecture_id)
    picker = AddQuestionForm(request.GET)
    if not picker.is_valid():
        raise Http404
    kind = picker.cleaned_data["kind"]
    if request.method == "POST":
        return _save_question(request, course, lecture, kind=kind)
    form = QuestionForm(kind=kind)
    formset = choice_formset(kind=kind) if kind in Question.CHOICE_KINDS else None
    return _question_page(request, course, lecture, form, formset)


@login_required
@require_http_methods(["GET", "POST"])
@_gone_is_404
def question_edit(request, slug, lecture_id, question_id):
    course, lecture = _quiz_lecture(request, slug, lecture_id)
    question = _question(lecture, question_id)
    if request.method == "POST":
        return _save_question(request, course, lecture, kind=question.kind, question=question)
    form = QuestionForm(kind=question.kind, question=question)
    formset = (
        choice_formset(kind=question.kind, question=question)
        if question.kind in Question.CHOICE_KINDS
        else None
    )
    return _question_page(request, course, lecture, form, formset, question=question)


@login_required
@require_http_methods(["GET", "POST"])
@_gone_is_404
def question_delete(request, slug, lecture_id, question_id):
    course, lecture = _quiz_lecture(request, slug, lecture_id)
    question = _question(lecture, question_id)
    if request.method == "POST":
        authoring.question_delete(actor=request.user, question=question)
        messages.success(request, _("Question deleted."))
        return redirect(_editor_url(course, lecture, "questions"))
    return render(
        request,
        "teaching/quiz_question_delete.html",
        {
            "course": course,
            "lecture": lecture,
            "question": question,
            "editor_url": _editor_url(course, lecture),
            "has_attempts": question.quiz.attempts.exists(),
        },
    )


def _questions_or_editor(request, course, lecture, *, moved: tuple[int, str] | None = None):
    """After a move: the questions list for the drag-and-drop script, else the editor page
    at the moved question's button."""
    if request.htmx:
        quiz = _quiz_or_default(lecture)
        questions = list(
            quiz.questions.order_by("order", "pk").annotate(choice_count=Count("choices"))
        )
        return render(
            request,
            "teaching/quiz_questions.html",
            {"course": course, "lecture": lecture, "quiz": quiz, "questions": questions},
        )
    url = reverse("teach:quiz_edit", args=[course.slug, lecture.pk])
    if moved:
        pk, control = moved
        pks = list(
            Question.objects.filter(quiz__lecture=lecture)
            .order_by("order", "pk")
            .values_list("pk", flat=True)
        )
        focus = _focus_target(pks, pk, control)
        if focus:
            target = f"{pk}-{focus['control']}"
            return redirect(f"{url}?moved={target}#question-{target}")
    return redirect(f"{url}#questions")


@login_required
@require_POST
@_gone_is_404
def question_move(request, slug, lecture_id, question_id):
    course, lecture = _quiz_lecture(request, slug, lecture_id)
    question = _question(lecture, question_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Move up or down."))
    direction = form.cleaned_data["direction"]
    authoring.question_move(actor=request.user, question=question, direction=direction)
    return _questions_or_editor(request, course, lecture, moved=(question.pk, direction))


@login_required
@require_POST
@_gone_is_404
def question_reorder(request, slug, lecture_id):
    """Drag and drop: the quiz's questions in their new order (every id, once)."""
    course, lecture = _quiz_lecture(request, slug, lecture_id)
    quiz = get_object_or_404(Quiz, lecture=lecture)
    form = QuestionOrderForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Send the new order of the questions."))
    try:
        authoring.question_reorder(
            actor=request.user, quiz=quiz, question_ids=form.cleaned_data["question"]
        )
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    return _questions_or_editor(request, course, lecture)


@login_required
@require_POST
@_gone_is_404
def quiz_import(request, slug, lecture_id):
    """Add the questions of a GIFT file (uploaded or pasted): all of them, or none."""
    course, lecture = _quiz_lecture(request, slug, lecture_id)
    form = GiftImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            quiz = authoring.quiz_ensure(actor=request.user, lecture=lecture)
            created = quiz_gift_import(
                actor=request.user, quiz=quiz, source=form.cleaned_data["source"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = len(created)
            messages.success(
                request,
                ngettext("%(count)d question imported.", "%(count)d questions imported.", count)
                % {"count": count},
            )
            return redirect(_editor_url(course, lecture, "questions"))
    return _editor(request, course, lecture, import_form=form, status=INVALID)


@login_required
@require_GET
@_gone_is_404
def quiz_export(request, slug, lecture_id):
    """The question pool as a GIFT file to download (Moodle imports it)."""
    course, lecture = _quiz_lecture(request, slug, lecture_id)
    quiz = Quiz.objects.filter(lecture=lecture).first()
    text = quiz_gift_export(quiz=quiz) if quiz else ""
    name = f"{slugify(lecture.title) or f'quiz-{lecture.pk}'}.gift.txt"
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response

"""Instructor workspace: assigned courses, their modules and lectures.

Every course-level view looks the course up among the user's editable courses, so another
instructor's course (or any course, for a student) is a 404; the services check again.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.numbers import parse_id
from core.storage import CloudinaryStorageError, storage_failed
from courses.markdown import render_markdown
from courses.models import Course, Lecture, Module
from teaching import services
from teaching.forms import (
    CourseDetailsForm,
    LectureForm,
    LectureOrderForm,
    ModuleForm,
    ModuleOrderForm,
    MoveForm,
    PublishForm,
)
from teaching.selectors import editable_courses, teach_course_list, teach_course_outline

INVALID = 400


def _gone_is_404(view):
    """A row another request deleted while this one ran is a 404, not a server error.

    The services re-read what they change under a lock, after the view found it.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ObjectDoesNotExist as exc:
            raise Http404 from exc

    return wrapper


def _course(request, slug) -> Course:
    return get_object_or_404(editable_courses(user=request.user), slug=slug)


def _module(course, module_id) -> Module:
    return get_object_or_404(Module.objects.select_related("course"), pk=module_id, course=course)


def _lecture(course, lecture_id) -> Lecture:
    return get_object_or_404(
        Lecture.objects.select_related("module__course"), pk=lecture_id, module__course=course
    )


def _add_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form fields it names, else on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _focus_target(modules, kind: str, pk: int, control: str) -> dict | None:
    """Which control of a changed row gets the focus after the outline is drawn again.

    `control` is "menu" (its actions menu) or the move button just used ("up", "down"); when
    the row reached the end, that button is disabled, so the other one, else its Edit link.
    """
    if kind == "module":
        rows = modules
    else:
        rows = next(
            (m.lectures.all() for m in modules if any(x.pk == pk for x in m.lectures.all())), []
        )
    pks = [row.pk for row in rows]
    if pk not in pks or control not in ("up", "down", "menu", "edit"):
        return None
    if control in ("menu", "edit"):
        return {kind: pk, "control": control}
    index = pks.index(pk)
    enabled = {"up": index > 0, "down": index < len(pks) - 1}
    if not enabled[control]:
        control = "down" if control == "up" else "up"
    return {kind: pk, "control": control if enabled[control] else "edit"}


def _focus_from_query(request, modules) -> dict | None:
    """`?focus=lecture-12-down` after a change without JavaScript: focus that control."""
    kind, _sep, rest = request.GET.get("focus", "").partition("-")
    pk, _sep, control = rest.partition("-")
    row_id = parse_id(pk)
    if kind not in ("module", "lecture") or row_id is None:
        return None
    return _focus_target(modules, kind, row_id, control)


def _workspace_or_outline(request, course, *, kind: str = "", pk: int = 0, control: str = ""):
    """After a button: htmx swaps the outline in place, the focus on the changed row's control;
    without JS, back to the workspace at that control (the fragment focuses it, `focus` marks
    it autofocus for browsers that only scroll)."""
    modules = teach_course_outline(course=course)
    focus = _focus_target(modules, kind, pk, control) if kind else None
    if request.htmx:
        return render(
            request,
            "teaching/_outline.html",
            {"course": course, "modules": modules, "focus": focus},
        )
    url = reverse("teach:workspace", args=[course.slug])
    if focus:
        target = f"{kind}-{pk}-{focus['control']}"
        url = f"{url}?focus={target}#{target}"
    return redirect(url)


@login_required
def course_list(request):
    if not (request.user.is_instructor or request.user.is_admin):
        raise PermissionDenied
    return render(
        request, "teaching/course_list.html", {"courses": teach_course_list(user=request.user)}
    )


@login_required
@require_GET
def workspace(request, slug):
    course = _course(request, slug)
    modules = teach_course_outline(course=course)
    return render(
        request,
        "teaching/workspace.html",
        {"course": course, "modules": modules, "focus": _focus_from_query(request, modules)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, slug):
    """The course's page as its instructors may change it (not title, price or status)."""
    course = _course(request, slug)
    if request.method == "GET":
        form = CourseDetailsForm(course=course)
        return render(request, "teaching/course_form.html", {"course": course, "form": form})
    form = CourseDetailsForm(request.POST, request.FILES, course=course)
    status = INVALID
    if form.is_valid():
        try:
            services.course_details_update(
                actor=request.user, course=course, **form.service_kwargs()
            )
        except ValidationError as error:
            _add_errors(form, error)
        except CloudinaryStorageError:
            status = storage_failed(form)
        else:
            messages.success(request, _("Course details saved."))
            return redirect("teach:workspace", slug=course.slug)
    return render(
        request, "teaching/course_form.html", {"course": course, "form": form}, status=status
    )


@login_required
@require_POST
def module_reorder(request, slug):
    """Drag and drop: the course's modules in their new order (every id, once)."""
    course = _course(request, slug)
    form = ModuleOrderForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Send the new order of the modules."))
    try:
        services.module_reorder(
            actor=request.user, course=course, module_ids=form.cleaned_data["module"]
        )
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    return _workspace_or_outline(request, course)


@login_required
@require_POST
@_gone_is_404
def lecture_reorder(request, slug, module_id):
    """Drag and drop: a module's lectures in their new order, perhaps with one lecture
    dragged in from another module of the course."""
    course = _course(request, slug)
    module = _module(course, module_id)
    form = LectureOrderForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Send the new order of the lectures."))
    try:
        services.lecture_reorder(
            actor=request.user, module=module, lecture_ids=form.cleaned_data["lecture"]
        )
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    return _workspace_or_outline(request, course)


# -- modules ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def module_create(request, slug):
    course = _course(request, slug)
    form = ModuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            module = services.module_create(actor=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Module “%(title)s” added.") % {"title": module.title})
            return redirect("teach:workspace", slug=course.slug)
    return render(
        request,
        "teaching/module_form.html",
        {"course": course, "form": form},
        status=INVALID if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@_gone_is_404
def module_edit(request, slug, module_id):
    course = _course(request, slug)
    module = _module(course, module_id)
    form = ModuleForm(request.POST or None, instance=module)
    if request.method == "POST" and form.is_valid():
        try:
            services.module_update(actor=request.user, module=module, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Module saved."))
            return redirect("teach:workspace", slug=course.slug)
    return render(
        request,
        "teaching/module_form.html",
        {"course": course, "form": form, "module": module},
        status=INVALID if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@_gone_is_404
def module_delete(request, slug, module_id):
    course = _course(request, slug)
    module = _module(course, module_id)
    if request.method == "POST":
        services.module_delete(actor=request.user, module=module)
        messages.success(request, _("Module “%(title)s” deleted.") % {"title": module.title})
        return redirect("teach:workspace", slug=course.slug)
    return render(
        request,
        "teaching/confirm_delete.html",
        {"course": course, "object": module, "is_module": True},
    )


@login_required
@require_POST
@_gone_is_404
def module_move(request, slug, module_id):
    course = _course(request, slug)
    module = _module(course, module_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Move up or down."))
    direction = form.cleaned_data["direction"]
    services.module_move(actor=request.user, module=module, direction=direction)
    return _workspace_or_outline(request, course, kind="module", pk=module.pk, control=direction)


@login_required
@require_POST
@_gone_is_404
def module_publish(request, slug, module_id):
    course = _course(request, slug)
    module = _module(course, module_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Publish or unpublish."))
    services.module_set_published(
        actor=request.user, module=module, is_published=form.cleaned_data["is_published"]
    )
    return _workspace_or_outline(request, course, kind="module", pk=module.pk, control="menu")


# -- lectures --------------------------------------------------------------------------------


def _lecture_form_page(request, course, form, *, lecture=None, preview=None, status=200):
    return render(
        request,
        "teaching/lecture_form.html",
        {"course": course, "form": form, "lecture": lecture, "preview": preview},
        status=status,
    )


def _save_lecture(request, course, form, save):
    """Run `save(**kwargs)` for a valid form; return an error page or None on success."""
    try:
        save(**form.service_kwargs())
    except ValidationError as error:
        _add_errors(form, error)
    except CloudinaryStorageError:
        status = storage_failed(form)
        return _lecture_form_page(request, course, form, lecture=form.lecture, status=status)
    else:
        return None
    return _lecture_form_page(request, course, form, lecture=form.lecture, status=INVALID)


@login_required
@require_http_methods(["GET", "POST"])
def lecture_create(request, slug, module_id):
    course = _course(request, slug)
    module = _module(course, module_id)
    if request.method == "GET":
        form = LectureForm(course=course, initial={"module": module.pk})
        return _lecture_form_page(request, course, form)
    form = LectureForm(request.POST, request.FILES, course=course)
    if "preview" in request.POST:
        return _lecture_form_page(
            request, course, form, preview=render_markdown(request.POST.get("body", ""))
        )
    if not form.is_valid():
        return _lecture_form_page(request, course, form, status=INVALID)

    created = []

    def save(**kwargs):
        module = kwargs.pop("module")
        created.append(services.lecture_create(actor=request.user, module=module, **kwargs))

    error_page = _save_lecture(request, course, form, save)
    if error_page:
        return error_page
    if created[0].kind == Lecture.Kind.QUIZ:  # on to its questions
        messages.success(request, _("Quiz lecture added. Now add its questions."))
        return redirect("teach:quiz_edit", slug=course.slug, lecture_id=created[0].pk)
    messages.success(request, _("Lecture added."))
    return redirect("teach:workspace", slug=course.slug)


@login_required
@require_http_methods(["GET", "POST"])
@_gone_is_404
def lecture_edit(request, slug, lecture_id):
    course = _course(request, slug)
    lecture = _lecture(course, lecture_id)
    if request.method == "GET":
        return _lecture_form_page(
            request, course, LectureForm(course=course, lecture=lecture), lecture=lecture
        )
    form = LectureForm(request.POST, request.FILES, course=course, lecture=lecture)
    if "preview" in request.POST:
        return _lecture_form_page(
            request,
            course,
            form,
            lecture=lecture,
            preview=render_markdown(request.POST.get("body", "")),
        )
    if not form.is_valid():
        return _lecture_form_page(request, course, form, lecture=lecture, status=INVALID)

    def save(**kwargs):
        return services.lecture_update(actor=request.user, lecture=lecture, **kwargs)

    error_page = _save_lecture(request, course, form, save)
    if error_page:
        return error_page
    messages.success(request, _("Lecture saved."))
    return redirect("teach:workspace", slug=course.slug)


@login_required
@require_http_methods(["GET", "POST"])
@_gone_is_404
def lecture_delete(request, slug, lecture_id):
    course = _course(request, slug)
    lecture = _lecture(course, lecture_id)
    if request.method == "POST":
        services.lecture_delete(actor=request.user, lecture=lecture)
        messages.success(request, _("Lecture “%(title)s” deleted.") % {"title": lecture.title})
        return redirect("teach:workspace", slug=course.slug)
    return render(request, "teaching/confirm_delete.html", {"course": course, "object": lecture})


@login_required
@require_POST
@_gone_is_404
def lecture_move(request, slug, lecture_id):
    course = _course(request, slug)
    lecture = _lecture(course, lecture_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Move up or down."))
    direction = form.cleaned_data["direction"]
    services.lecture_move(actor=request.user, lecture=lecture, direction=direction)
    return _workspace_or_outline(request, course, kind="lecture", pk=lecture.pk, control=direction)


@login_required
@require_POST
@_gone_is_404
def lecture_publish(request, slug, lecture_id):
    course = _course(request, slug)
    lecture = _lecture(course, lecture_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Publish or unpublish."))
    services.lecture_set_published(
        actor=request.user, lecture=lecture, is_published=form.cleaned_data["is_published"]
    )
    return _workspace_or_outline(request, course, kind="lecture", pk=lecture.pk, control="menu")

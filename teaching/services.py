"""Writes of the instructor workspace: modules and lectures of assigned courses.

Every function checks the actor itself (views are not the only callers), runs in one
transaction and locks the parent row (course for modules, module for lectures) before
reading the siblings: a later reader then waits and sees the committed order, so orders
stay 0..n-1 and unique. Locking only the sibling rows would not stop two inserts, and
would lock nothing at all in an empty module.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, F, Sum, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment import authoring
from courses.models import Course, Lecture, Module, authorable_lecture_kinds
from courses.video import parse_video_url
from notifications.models import Notification
from notifications.services import notify_many
from progress.models import LectureCompletion
from progress.services import enrollments_complete_if_done_later
from teaching.selectors import course_active_students, course_can_edit

UP, DOWN = "up", "down"
_KEEP = None  # lecture_update: keep the current file; False removes it, a file replaces it


def _require_editor(actor, course: Course) -> None:
    if not course_can_edit(actor, course):
        raise PermissionDenied(_("You cannot edit this course."))


def _locked_modules(course_id: int) -> list[Module]:
    Course.objects.select_for_update().get(pk=course_id)
    return list(
        Module.objects.select_for_update().filter(course_id=course_id).order_by("order", "pk")
    )


def _locked_lectures(module_id: int) -> list[Lecture]:
    Module.objects.select_for_update().get(pk=module_id)
    return list(
        Lecture.objects.select_for_update().filter(module_id=module_id).order_by("order", "pk")
    )


def _resequence(model, rows: list) -> None:
    """Give locked `rows` (in their new order) the orders 0..n-1, in two UPDATEs.

    The unique (parent, order) constraint is checked row by row, so rows first move past
    every order in use, then to their places, which are free by then.
    """
    changed = [(index, row) for index, row in enumerate(rows) if row.order != index]
    if not changed:
        return
    pks = [row.pk for _, row in changed]
    offset = max(row.order for row in rows) + len(rows) + 1
    model.objects.filter(pk__in=pks).update(order=F("order") + offset)
    model.objects.filter(pk__in=pks).update(
        order=Case(*(When(pk=row.pk, then=Value(index)) for index, row in changed))
    )
    for index, row in changed:
        row.order = index


def _find(model, rows: list, pk: int):
    """The locked row `pk`; DoesNotExist if a concurrent request deleted it meanwhile."""
    for row in rows:
        if row.pk == pk:
            return row
    raise model.DoesNotExist


def _move(model, rows: list, pk: int, direction: str) -> None:
    if direction not in (UP, DOWN):
        raise ValidationError(_("Move up or down."))
    index = rows.index(_find(model, rows, pk))
    target = index - 1 if direction == UP else index + 1
    if 0 <= target < len(rows):  # the first cannot go up, the last cannot go down
        rows[index], rows[target] = rows[target], rows[index]
        _resequence(model, rows)


def _notify_students(*, course: Course, title: str, link: str) -> None:
    recipients = list(course_active_students(course=course))
    if recipients:
        notify_many(
            recipients=recipients, kind=Notification.Kind.NEW_LECTURE, title=title, link=link
        )


def _notify_module_published(module: Module) -> None:
    course = module.course
    _notify_students(
        course=course,
        title=_("New module in %(course)s: %(module)s")
        % {"course": course.title, "module": module.title},
        link=course.get_learn_url(),
    )


def _notify_lecture_published(lecture: Lecture) -> None:
    course = lecture.module.course
    _notify_students(
        course=course,
        title=_("New lecture in %(course)s: %(lecture)s")
        % {"course": course.title, "lecture": lecture.title},
        link=reverse("progress:player", kwargs={"slug": course.slug, "lecture_id": lecture.pk}),
    )


# -- the course's own page ------------------------------------------------------------------


@transaction.atomic
def course_details_update(
    *,
    actor,
    course: Course,
    subtitle: str,
    description: str,
    what_you_will_learn: str,
    requirements: str,
    intro_video_url: str,
    thumbnail=_KEEP,
) -> Course:
    """Edit what a course's page says about it. Title, price, status and instructors are not
    arguments: they stay with admins.

    `thumbnail`: None (left out) keeps the current image, False removes it, an upload
    replaces it.
    """
    _require_editor(actor, course)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if intro_video_url:
        parse_video_url(intro_video_url)  # only links the page can embed, as in the admin
    course.subtitle, course.description = subtitle, description
    course.what_you_will_learn, course.requirements = what_you_will_learn, requirements
    course.intro_video_url = intro_video_url
    fields = ["subtitle", "description", "what_you_will_learn", "requirements"]
    fields += ["intro_video_url", "updated_at"]
    obsolete = []
    if thumbnail is not _KEEP:
        _replace_file(course, "thumbnail", thumbnail, obsolete)
        fields.append("thumbnail")
    _save_with_uploads(course, ["thumbnail"], update_fields=fields)
    _delete_files_on_commit(obsolete)
    return course


# -- modules ---------------------------------------------------------------------------------


def _course_duration_refresh(course_id: int) -> None:
    """Keep the course's stored total (cards, detail page) equal to its published lectures."""
    seconds = Lecture.objects.filter(
        module__course_id=course_id, module__is_published=True, is_published=True
    ).aggregate(total=Sum("duration_seconds"))["total"]
    Course.objects.filter(pk=course_id).update(duration_minutes=((seconds or 0) + 59) // 60)


def _published_lectures_changed(course_id: int) -> None:
    """After a change that may have removed published lectures of the course: its stored
    length, and the students left with every remaining lecture done have finished it."""
    _course_duration_refresh(course_id)
    enrollments_complete_if_done_later(course_id=course_id)


@transaction.atomic
def courses_content_changed(*, actor, course_ids) -> None:
    """After modules or lectures of the courses `course_ids` changed outside the workspace
    (the Django admin): what the workspace's own writes keep, kept here too. A quiz lecture
    gets its quiz, as lecture_create gives it one: without it, its page is not found."""
    for course_id in sorted({pk for pk in course_ids if pk is not None}):
        quizless = Lecture.objects.filter(
            module__course_id=course_id, kind=Lecture.Kind.QUIZ, quiz__isnull=True
        )
        for lecture in quizless:
            authoring.quiz_ensure(actor=actor, lecture=lecture)
        _published_lectures_changed(course_id)


COMPLETED_KIND_KEPT = gettext_lazy(
    "Students have completed this lecture, so it cannot become a quiz: they would count as "
    "having passed it. Add a new quiz lecture instead."
)


def completed_lecture_becomes_quiz(lecture: Lecture, kind: str) -> bool:
    """Whether a lecture students have completed would become a quiz: refused (here and in
    the admin, teaching.admin), since a quiz lecture is completed by passing it and those
    completions would stand for passes nobody made."""
    if lecture.pk is None or lecture.kind == Lecture.Kind.QUIZ or kind != Lecture.Kind.QUIZ:
        return False
    return LectureCompletion.objects.filter(lecture_id=lecture.pk).exists()


@transaction.atomic
def module_create(
    *, actor, course: Course, title: str, description: str = "", is_published: bool = True
) -> Module:
    _require_editor(actor, course)
    modules = _locked_modules(course.pk)
    module = Module(
        course=course,
        title=title,
        description=description,
        is_published=is_published,
        order=len(modules),
    )
    module.full_clean()
    module.save()
    if is_published:
        _notify_module_published(module)
    return module


@transaction.atomic
def module_update(
    *, actor, module: Module, title: str, description: str, is_published: bool
) -> Module:
    module = Module.objects.select_for_update().select_related("course").get(pk=module.pk)
    _require_editor(actor, module.course)
    became_published = is_published and not module.is_published
    published_changed = is_published != module.is_published
    module.title, module.description, module.is_published = title, description, is_published
    module.full_clean()
    module.save(update_fields=["title", "description", "is_published"])
    if published_changed:
        _published_lectures_changed(module.course_id)
    if became_published:
        _notify_module_published(module)
    return module


@transaction.atomic
def module_set_published(*, actor, module: Module, is_published: bool) -> Module:
    module = Module.objects.select_for_update().select_related("course").get(pk=module.pk)
    _require_editor(actor, module.course)
    if module.is_published != is_published:
        module.is_published = is_published
        module.save(update_fields=["is_published"])
        _published_lectures_changed(module.course_id)
        if is_published:
            _notify_module_published(module)
    return module


@transaction.atomic
def module_move(*, actor, module: Module, direction: str) -> None:
    _require_editor(actor, module.course)
    modules = _locked_modules(module.course_id)
    _move(Module, modules, module.pk, direction)


@transaction.atomic
def module_delete(*, actor, module: Module) -> None:
    """Delete a module with its lectures (and their completions) and close the gap."""
    _require_editor(actor, module.course)
    modules = _locked_modules(module.course_id)
    _find(Module, modules, module.pk)
    files = [
        (field.storage, field.name)
        for lecture in Lecture.objects.filter(module_id=module.pk)
        for field in (lecture.video_file, lecture.attachment)
        if field
    ]
    Module.objects.filter(pk=module.pk).delete()
    _resequence(Module, [m for m in modules if m.pk != module.pk])
    _published_lectures_changed(module.course_id)
    _delete_files_on_commit(files)


def _order_mismatch() -> ValidationError:
    return ValidationError(
        _("The order sent does not match this course. Reload the page and try again."),
        code="order_mismatch",
    )


def _check_order(posted: list[int], expected: set[int]) -> None:
    """`posted` must hold every id of `expected` once and nothing else."""
    if len(set(posted)) != len(posted) or set(posted) != expected:
        raise _order_mismatch()


@transaction.atomic
def module_reorder(*, actor, course: Course, module_ids: list[int]) -> None:
    """Put the course's modules in the order of `module_ids` (drag and drop).

    `module_ids` must be exactly the course's modules, each once; anything else (a module of
    another course, one left out, one twice, one deleted meanwhile) changes nothing.
    """
    _require_editor(actor, course)
    modules = _locked_modules(course.pk)
    _check_order(module_ids, {module.pk for module in modules})
    by_pk = {module.pk: module for module in modules}
    _resequence(Module, [by_pk[pk] for pk in module_ids])


# -- lectures --------------------------------------------------------------------------------


def _replace_file(instance, field_name: str, new, obsolete: list) -> None:
    """Set a file field: _KEEP (or the same file) keeps it, False removes it, an upload
    replaces it. The stored file it makes obsolete goes on `obsolete` as (storage, name)."""
    current = getattr(instance, field_name)
    if new is _KEEP or new is current:
        return
    if current and current._committed:
        obsolete.append((current.storage, current.name))
    setattr(instance, field_name, new or "")


def _save_with_uploads(instance, file_fields: list[str], **save_kwargs) -> None:
    """Validate (files included) before anything is stored; undo stored files on failure.

    Only files this save stored are undone: the ones the row keeps stay where they are.
    """
    instance.full_clean()
    uploads = [getattr(instance, name) for name in file_fields]
    uploads = [field for field in uploads if field and not field._committed]
    try:
        instance.save(**save_kwargs)
    except Exception:
        for field in uploads:
            if field._committed:
                field.storage.delete(field.name)
        raise


def _delete_files_on_commit(files) -> None:
    # After commit: a rolled-back delete or replace must still find its file.
    for storage, name in files:
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def _is_visible(lecture: Lecture) -> bool:
    return lecture.is_published and lecture.module.is_published


def _apply_lecture_fields(
    lecture: Lecture,
    *,
    title,
    kind,
    body,
    video_file,
    video_provider,
    video_id,
    attachment,
    duration_seconds,
    is_free_preview,
    is_published,
) -> list:
    """Set the fields; return (storage, name) of stored files the change makes obsolete."""
    if kind not in dict(authorable_lecture_kinds(lecture.kind)):
        raise ValidationError({"kind": _("Choose a kind of lecture.")})
    obsolete = []

    def replace(field_name, new):
        _replace_file(lecture, field_name, new, obsolete)

    lecture.title, lecture.kind, lecture.body = title, kind, body
    lecture.duration_seconds = duration_seconds
    lecture.is_free_preview, lecture.is_published = is_free_preview, is_published
    lecture.video_provider, lecture.video_id = video_provider or "", video_id or ""
    if kind != Lecture.Kind.VIDEO:  # a text or quiz lecture keeps no video
        lecture.video_provider = lecture.video_id = ""
        replace("video_file", False)
    elif video_file:  # a new upload replaces a link
        lecture.video_provider = lecture.video_id = ""
        replace("video_file", video_file)
    elif lecture.video_id:  # a link replaces an upload
        replace("video_file", False)
    else:
        replace("video_file", video_file)
    replace("attachment", attachment)
    return obsolete


def _save_lecture(lecture: Lecture) -> None:
    _save_with_uploads(lecture, ["video_file", "attachment"])


@transaction.atomic
def lecture_create(
    *,
    actor,
    module: Module,
    title: str,
    kind: str = Lecture.Kind.TEXT,
    body: str = "",
    video_file=None,
    video_provider: str = "",
    video_id: str = "",
    attachment=None,
    duration_seconds: int = 0,
    is_free_preview: bool = False,
    is_published: bool = False,
) -> Lecture:
    """Add a lecture at the end of `module`: a draft unless `is_published` says otherwise."""
    _require_editor(actor, module.course)
    lectures = _locked_lectures(module.pk)
    lecture = Lecture(module=module, order=len(lectures))
    _apply_lecture_fields(
        lecture,
        title=title,
        kind=kind,
        body=body,
        video_file=video_file,
        video_provider=video_provider,
        video_id=video_id,
        attachment=attachment,
        duration_seconds=duration_seconds,
        is_free_preview=is_free_preview,
        is_published=is_published,
    )
    _save_lecture(lecture)
    if lecture.kind == Lecture.Kind.QUIZ:  # its quiz, with the default settings, at once
        authoring.quiz_ensure(actor=actor, lecture=lecture)
    _course_duration_refresh(module.course_id)  # a lecture added completes nobody's course
    if _is_visible(lecture):
        _notify_lecture_published(lecture)
    return lecture


@transaction.atomic
def lecture_update(
    *,
    actor,
    lecture: Lecture,
    module: Module,
    title: str,
    kind: str,
    body: str,
    video_file=_KEEP,
    video_provider: str = "",
    video_id: str = "",
    attachment=_KEEP,
    duration_seconds: int,
    is_free_preview: bool,
    is_published: bool,
) -> Lecture:
    """Edit a lecture; `module` may be another module of the same course (it goes last).

    Files: None keeps the current one, False removes it, an uploaded file replaces it.
    """
    _require_editor(actor, lecture.module.course)
    if module.course_id != lecture.module.course_id:
        raise ValidationError(_("A lecture can only move to a module of its own course."))
    # Lock both modules in a fixed order, so two opposite moves cannot deadlock.
    module_ids = sorted({lecture.module_id, module.pk})
    siblings = {module_id: _locked_lectures(module_id) for module_id in module_ids}
    lecture = Lecture.objects.select_related("module__course").get(pk=lecture.pk)
    if lecture.module_id not in siblings:
        # Moved by another request after the caller read it: its module is not locked here.
        raise ValidationError(_("This lecture was just moved elsewhere. Reload and try again."))
    was_visible = _is_visible(lecture)
    if completed_lecture_becomes_quiz(lecture, kind):
        raise ValidationError({"kind": COMPLETED_KIND_KEPT})
    if lecture.kind == Lecture.Kind.QUIZ and kind != Lecture.Kind.QUIZ:
        # Refused while the quiz holds attempts or questions; an empty quiz goes.
        authoring.quiz_release(actor=actor, lecture=lecture)
    obsolete = _apply_lecture_fields(
        lecture,
        title=title,
        kind=kind,
        body=body,
        video_file=video_file,
        video_provider=video_provider,
        video_id=video_id,
        attachment=attachment,
        duration_seconds=duration_seconds,
        is_free_preview=is_free_preview,
        is_published=is_published,
    )
    old_module_id = lecture.module_id
    if module.pk != old_module_id:
        lecture.module = Module.objects.select_related("course").get(pk=module.pk)
        lecture.order = len(siblings[module.pk])
    _save_lecture(lecture)
    if lecture.kind == Lecture.Kind.QUIZ:
        authoring.quiz_ensure(actor=actor, lecture=lecture)
    _published_lectures_changed(module.course_id)
    if module.pk != old_module_id:
        _resequence(Lecture, [row for row in siblings[old_module_id] if row.pk != lecture.pk])
    _delete_files_on_commit(obsolete)
    if _is_visible(lecture) and not was_visible:
        _notify_lecture_published(lecture)
    return lecture


@transaction.atomic
def lecture_set_published(*, actor, lecture: Lecture, is_published: bool) -> Lecture:
    _require_editor(actor, lecture.module.course)
    _locked_lectures(lecture.module_id)
    lecture = Lecture.objects.select_related("module__course").get(pk=lecture.pk)
    if lecture.is_published != is_published:
        lecture.is_published = is_published
        lecture.save(update_fields=["is_published", "updated_at"])
        _published_lectures_changed(lecture.module.course_id)
        if _is_visible(lecture):
            _notify_lecture_published(lecture)
    return lecture


@transaction.atomic
def lecture_move(*, actor, lecture: Lecture, direction: str) -> None:
    """Move a lecture up or down inside its module."""
    _require_editor(actor, lecture.module.course)
    lectures = _locked_lectures(lecture.module_id)
    _move(Lecture, lectures, lecture.pk, direction)


@transaction.atomic
def lecture_reorder(*, actor, module: Module, lecture_ids: list[int]) -> None:
    """Put `module`'s lectures in the order of `lecture_ids` (drag and drop).

    The list holds exactly the module's lectures, each once, plus at most one lecture of
    another module of the same course, which moves into `module` at its place (dragged
    across modules); its old module closes the gap. Anything else changes nothing.
    """
    _require_editor(actor, module.course)
    if len(set(lecture_ids)) != len(lecture_ids):
        raise _order_mismatch()
    # Which other module would give a lecture up; read before locking, checked again after.
    incoming = list(
        Lecture.objects.filter(pk__in=lecture_ids, module__course_id=module.course_id)
        .exclude(module_id=module.pk)
        .values_list("pk", "module_id")[:2]
    )
    if len(incoming) > 1:
        raise _order_mismatch()
    source_id = incoming[0][1] if incoming else None
    # Lock both modules in a fixed order, so two opposite moves cannot deadlock.
    module_ids = sorted({module.pk} | ({source_id} if source_id else set()))
    locked = {module_id: _locked_lectures(module_id) for module_id in module_ids}
    rows = {row.pk: row for row in locked[module.pk]}
    moved = None
    if source_id:
        moved = next((row for row in locked[source_id] if row.pk == incoming[0][0]), None)
        if moved is not None:
            rows[moved.pk] = moved
    _check_order(lecture_ids, set(rows))
    if moved is None:
        _resequence(Lecture, [rows[pk] for pk in lecture_ids])
        return
    moved = Lecture.objects.select_related("module__course").get(pk=moved.pk)
    was_visible = _is_visible(moved)
    # Past every order in use in its new module first; _resequence then gives it its place.
    moved.module = Module.objects.select_related("course").get(pk=module.pk)
    moved.order = max([row.order for row in locked[module.pk]], default=-1) + 1
    moved.save(update_fields=["module", "order", "updated_at"])
    rows[moved.pk] = moved
    _resequence(Lecture, [row for row in locked[source_id] if row.pk != moved.pk])
    _resequence(Lecture, [rows[pk] for pk in lecture_ids])
    _published_lectures_changed(module.course_id)
    if _is_visible(moved) and not was_visible:
        _notify_lecture_published(moved)


@transaction.atomic
def lecture_delete(*, actor, lecture: Lecture) -> None:
    """Delete a lecture (its completions go with it, so progress % stays right)."""
    _require_editor(actor, lecture.module.course)
    lectures = _locked_lectures(lecture.module_id)
    lecture = _find(Lecture, lectures, lecture.pk)
    files = [(f.storage, f.name) for f in (lecture.video_file, lecture.attachment) if f]
    Lecture.objects.filter(pk=lecture.pk).delete()
    _resequence(Lecture, [row for row in lectures if row.pk != lecture.pk])
    _published_lectures_changed(lecture.module.course_id)
    _delete_files_on_commit(files)

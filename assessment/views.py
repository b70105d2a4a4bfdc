"""The quiz pages of a quiz lecture: its status, an attempt's form, an attempt's result.

Mounted under the lecture's player URL; the same unlock rule as the player decides who may
open them (assessment sits above progress, so it reads the outline from there).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import selectors, services
from assessment.forms import AttemptForm
from assessment.models import Attempt
from progress.selectors import course_outline_state, learnable_course, learner_outline


class QuizPage:
    """The course, the outline entry and the quiz behind a quiz URL, checked for `user`."""

    def __init__(
        self, request, slug: str, lecture_id: int, *, shared: bool = False, attempt_id=None
    ):
        """`shared`: the course and outline from the learners' cache, for pages that only
        show them (as the player reads them); writes read the database. `attempt_id`: the
        user's attempt at this quiz, read with the quiz (404 when it is not theirs)."""
        user = request.user
        if shared:
            also = [selectors.ATTEMPT_PAGE(attempt_id)] if attempt_id is not None else []
            outline = learner_outline(user=user, slug=slug, also=also)
            course, can_manage = outline.course, outline.can_manage
        else:
            course, can_manage = learnable_course(user=user, slug=slug)
            outline = course_outline_state(user=user, course=course, can_manage=can_manage)
        item = outline.state_of(lecture_id)
        if item is None:
            raise Http404
        if not can_manage and outline.enrollment is None:
            raise PermissionDenied
        if not item.is_open:
            raise PermissionDenied
        self._attempt = None
        if attempt_id is not None:
            self._attempt = selectors.attempt_with_quiz(
                student=user,
                attempt_id=attempt_id,
                lecture_id=lecture_id,
                shared=shared,
                found=outline.found if shared else None,
            )
            if self._attempt is None:
                raise Http404
            quiz = self._attempt.quiz
        else:
            quiz = selectors.quiz_for_lecture(lecture_id=lecture_id)
        if quiz is None or quiz.lecture.kind != quiz.lecture.Kind.QUIZ:
            raise Http404
        self.course, self.outline, self.item, self.quiz = course, outline, item, quiz
        self.can_manage = can_manage
        self.slug, self.lecture_id = slug, lecture_id

    def url(self, name: str, *args) -> str:
        return reverse(f"assessment:{name}", args=[self.slug, self.lecture_id, *args])

    def attempt(self, user, attempt_id: int) -> Attempt:
        if self._attempt is not None:
            return self._attempt
        return get_object_or_404(Attempt, pk=attempt_id, quiz=self.quiz, student=user)

    def context(self, **extra) -> dict:
        return {
            "course": self.course,
            "outline": self.outline,
            "item": self.item,
            "quiz": self.quiz,
            "lecture_url": self.item.url,
            "quiz_url": self.url("quiz"),
            **extra,
        }


@login_required
@require_GET
def quiz_page(request, slug, lecture_id):
    page = QuizPage(request, slug, lecture_id, shared=True)
    status = selectors.quiz_status(
        student=request.user, quiz=page.quiz, counted=not page.can_manage
    )
    attempts = [
        (attempt, page.url("result", attempt.pk))
        for attempt in selectors.student_attempts(
            student=request.user, quiz=page.quiz, counted=not page.can_manage
        )
        if attempt.submitted_at is not None
    ]
    context = page.context(
        status=status,
        start_url=page.url("start"),
        complete_url=page.url("complete"),
        attempts=attempts,
        can_manage=page.can_manage,
    )
    return render(request, "assessment/quiz.html", context)


@login_required
@require_POST
def quiz_start(request, slug, lecture_id):
    page = QuizPage(request, slug, lecture_id)
    try:
        attempt = services.attempt_start(student=request.user, quiz=page.quiz)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(page.url("quiz"))
    return redirect(page.url("attempt", attempt.pk))


@login_required
@require_POST
def quiz_complete(request, slug, lecture_id):
    """Count a recorded pass that could not complete the lecture when it was graded."""
    page = QuizPage(request, slug, lecture_id)
    services.quiz_pass_count(student=request.user, quiz=page.quiz)
    messages.success(request, _("Your pass is counted: the lecture is complete."))
    return redirect(page.item.url)


@login_required
@require_http_methods(["GET", "POST"])
def attempt_page(request, slug, lecture_id, attempt_id):
    page = QuizPage(
        request, slug, lecture_id, shared=request.method == "GET", attempt_id=attempt_id
    )
    attempt = page.attempt(request.user, attempt_id)
    if attempt.submitted_at is not None:
        return redirect(page.url("result", attempt.pk))
    sheet = selectors.attempt_sheet(attempt=attempt)
    status = 200
    now = timezone.now()
    if request.method == "POST":
        form = AttemptForm(sheet, request.POST)
        # Once the time is up no answer can be put right in time: one that cannot be read
        # counts as unanswered, and the rest are graded (the timer submits at zero).
        if form.is_valid() or sheet.time_is_up(now):
            try:
                services.attempt_submit(student=request.user, attempt=attempt, answers=form.answers)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                return redirect(page.url("result", attempt.pk))
        status = 400
    else:
        form = AttemptForm(sheet)
    context = page.context(
        sheet=sheet,
        entries=form.entries(),
        has_errors=bool(form.errors),
        fresh=form.data is None,
        seconds_left=sheet.seconds_left(now),
        attempt_url=page.url("attempt", attempt.pk),
    )
    return render(request, "assessment/attempt.html", context, status=status)


@login_required
@require_GET
def attempt_result(request, slug, lecture_id, attempt_id):
    page = QuizPage(request, slug, lecture_id)
    attempt = page.attempt(request.user, attempt_id)
    if attempt.submitted_at is None:
        return redirect(page.url("attempt", attempt.pk))
    review = selectors.attempt_review(attempt=attempt)
    # Read again: a pass has just completed the lecture and opened the next one.
    outline = course_outline_state(
        user=request.user, course=page.course, can_manage=page.can_manage
    )
    _previous, following = outline.neighbours(lecture_id)
    status = selectors.quiz_status(
        student=request.user, quiz=page.quiz, counted=not page.can_manage
    )
    context = page.context(
        review=review,
        status=status,
        next_item=following if following is not None and following.is_open else None,
        start_url=page.url("start"),
    )
    return render(request, "assessment/result.html", context)

"""The demo courses' quizzes, kept as GIFT (the format a school moves question banks in)
and loaded through the same import an instructor uses in the workspace."""

from dataclasses import dataclass

from django.db.models import Max

from assessment.models import Quiz
from assessment.services import quiz_gift_import
from courses.models import Course, Lecture


@dataclass(frozen=True)
class QuizSpec:
    module: str  # the quiz ends this module, so it gates the modules after it
    title: str
    gift: str
    pass_mark: int = 70
    attempts_allowed: int | None = None
    time_limit_minutes: int | None = None
    draw_count: int | None = None
    shuffle: bool = False
    feedback: str = Quiz.Feedback.AFTER_EACH_ATTEMPT


PYTHON_BASICS = """\
::Types:: What is the type of the value 3.5 in Python? {
=float # Numbers with a decimal point are floats.
~int # An int has no decimal point.
~str # A str is text, written in quotes.
}

::Lists:: A list can hold values of different types. {TRUE
####For example [1, "two", 3.0] is a valid list.}

::Loops:: How many times does the body of `for n in range(4):` run? {#4}

::Dictionaries:: Which of these are true of a dictionary? {
~%50%It maps keys to values # Yes.
~%50%Its keys must be hashable # Yes: strings and numbers are common keys.
~%-100%Its values must all have the same type # No, values may be anything.
}

::Built-ins:: Name the built-in function that returns the number of items in a list. {
=len
=len()
}
"""

GIT_LOCAL = """\
::Commit:: What does a commit record? {
=A snapshot of the staged changes, with a message # Right.
~Every file on your disk # Only what you staged.
~A backup on GitHub # Commits are local until you push.
}

::Branches:: Creating a branch copies every file of the project. {FALSE
####A branch is a movable pointer to a commit: creating one is instant.}

::Staging:: Which command stages the file notes.txt? {
=git add notes.txt
}
"""

DJANGO_FINAL = """\
::MVT:: In Django, what renders HTML from a context? {
=A template
~A model
~A migration
}

::ORM:: Which call returns at most one object or None? {
=.first() # It returns None when nothing matches.
~.get() # get() raises DoesNotExist instead.
~.filter() # filter() returns a queryset.
}

::Migrations:: A migration must be written for every model field change. {TRUE}

::Forms:: Which method of a form runs validation and fills cleaned_data? {
=is_valid
=is_valid()
=form.is_valid()
}

::CSRF:: Django's CSRF protection applies to which requests? {
~%50%POST # Yes.
~%50%PUT and DELETE # Yes: every unsafe method.
~%-100%GET # No: GET must not change anything.
}

::Status:: What HTTP status does a successful redirect after a POST usually use? {#302}
"""

QUIZZES = {
    "python-for-absolute-beginners": QuizSpec(
        module="Core building blocks",
        title="Check your understanding",
        gift=PYTHON_BASICS,
        attempts_allowed=3,
        time_limit_minutes=10,
        shuffle=True,
    ),
    "git-and-github-in-practice": QuizSpec(
        module="Local work",
        title="Quiz: local work",
        gift=GIT_LOCAL,
        feedback=Quiz.Feedback.AFTER_PASSING,
    ),
    "django-web-applications": QuizSpec(
        module="Shipping it",
        title="Final quiz",
        gift=DJANGO_FINAL,
        pass_mark=80,
        attempts_allowed=2,
        time_limit_minutes=15,
        draw_count=4,
        shuffle=True,
    ),
}


def seed_quiz(course: Course, actor) -> Quiz | None:
    """The course's demo quiz, added at the end of its module if missing; else None."""
    spec = QUIZZES.get(course.slug)
    module = spec and course.modules.filter(title=spec.module).first()
    if module is None or module.lectures.filter(title=spec.title).exists():
        return None
    last = module.lectures.aggregate(last=Max("order"))["last"]
    lecture = Lecture.objects.create(
        module=module,
        order=0 if last is None else last + 1,
        title=spec.title,
        kind=Lecture.Kind.QUIZ,
        body="Answer the questions below. Passing this quiz opens the next module.",
        duration_seconds=(spec.time_limit_minutes or 5) * 60,
        is_published=True,
    )
    quiz = Quiz.objects.create(
        lecture=lecture,
        pass_mark=spec.pass_mark,
        attempts_allowed=spec.attempts_allowed,
        time_limit_seconds=spec.time_limit_minutes and spec.time_limit_minutes * 60,
        draw_count=spec.draw_count,
        shuffle_questions=spec.shuffle,
        shuffle_choices=spec.shuffle,
        feedback=spec.feedback,
    )
    quiz_gift_import(actor=actor, quiz=quiz, source=spec.gift)
    return quiz


def right_answers(snapshot: dict) -> dict:
    """The answers that score full marks on an attempt's questions, as a form would send."""
    answers = {}
    for question in snapshot["questions"]:
        right = [c["id"] for c in question["choices"] if c["is_correct"]]
        kind = question["kind"]
        if kind == "single":
            answers[str(question["id"])] = right[0]
        elif kind == "multiple":
            answers[str(question["id"])] = right
        elif kind == "true_false":
            answers[str(question["id"])] = "true" if question["true_false_answer"] else "false"
        elif kind == "short_answer":
            answers[str(question["id"])] = question["accepted_answers"][0]
        else:
            answers[str(question["id"])] = question["value"]
    return answers


def take_quiz(student, quiz: Quiz, when, *, fail_first: bool) -> None:
    """A learner's tries at a quiz, as the quiz pages make them: a failed one first when
    `fail_first`, then a pass."""
    from assessment.services import attempt_start, attempt_submit

    if fail_first:
        attempt = attempt_start(student=student, quiz=quiz, now=when)
        attempt_submit(student=student, attempt=attempt, answers={}, now=when)
    attempt = attempt_start(student=student, quiz=quiz, now=when)
    attempt_submit(
        student=student, attempt=attempt, answers=right_answers(attempt.snapshot), now=when
    )

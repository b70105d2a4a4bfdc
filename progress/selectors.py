"""Reads of the progress app: the unlock rule, progress, enrollments, reviews."""

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from html import unescape

from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from core import cache
from courses.markdown import RENDERER_FINGERPRINT, render_markdown
from courses.models import CONTENT_VERSIONS, Course, Lecture, cover_url
from courses.page_cache import SHARED_TIMEOUT_SECONDS
from progress.models import (
    ANNOUNCEMENT_VERSIONS,
    LEARNER_VERSIONS,
    Announcement,
    Enrollment,
    LectureCompletion,
    Review,
)

COMPLETED = "completed"
AVAILABLE = "available"
LOCKED = "locked"

_LOOKUP = object()


def active_enrollment(*, user, course) -> Enrollment | None:
    """The user's active enrollment in `course`, or None (anonymous users have none)."""
    if not user.is_authenticated:
        return None
    return Enrollment.objects.filter(
        student=user, course=course, status=Enrollment.Status.ACTIVE
    ).first()


def visible_reviews(*, course):
    """Reviews the public may see for `course`, newest first, with their authors."""
    return (
        Review.objects.filter(course=course, is_visible=True)
        .select_related("student")
        .order_by("-created_at", "-id")
    )


def can_manage_course(*, user, course) -> bool:
    """Admins and the course's own instructors see every lecture, drafts included."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return user.is_instructor and course.instructors.filter(pk=user.pk).exists()


def _course_by_slug(slug: str) -> Course | None:
    return Course.objects.filter(slug=slug).first()


def _can_manage_visible(*, user, course: Course) -> bool:
    """Whether `user` manages `course`; 404 when the course is hidden from them.

    Drafts and archived courses exist only for their instructors and admins.
    """
    can_manage = can_manage_course(user=user, course=course)
    if not can_manage and course.status != Course.Status.PUBLISHED:
        raise Http404
    return can_manage


def learnable_course(*, user, slug: str) -> tuple[Course, bool]:
    """The course behind a /learn/ URL and whether `user` manages it; 404 when hidden."""
    course = _course_by_slug(slug)
    if course is None:
        raise Http404
    return course, _can_manage_visible(user=user, course=course)


@dataclass(frozen=True, slots=True)
class OutlineModule:
    pk: int
    title: str


@dataclass(frozen=True, slots=True)
class OutlineLecture:
    """What the outline and the unlock rule need of a lecture; the player loads the rest."""

    pk: int
    module: OutlineModule
    title: str
    is_free_preview: bool


@dataclass
class LectureState:
    lecture: OutlineLecture
    state: str
    number: int  # position in the outline, 1-based
    is_published: bool = True
    course_slug: str = ""

    @property
    def url(self) -> str:
        """The lecture's player page: built only for the links a page shows (a cached
        outline shows none)."""
        return reverse("progress:player", args=[self.course_slug, self.lecture.pk])

    @property
    def is_open(self) -> bool:
        return self.state != LOCKED

    @property
    def is_completed(self) -> bool:
        return self.state == COMPLETED


@dataclass
class ModuleOutline:
    module: object
    items: list[LectureState] = field(default_factory=list)


@dataclass
class CourseOutline:
    """Every lecture of a course with its state for one user: the single source of the rule."""

    course: Course
    enrollment: Enrollment | None
    can_manage: bool
    items: list[LectureState]
    completed_ids: frozenset[int]
    found: cache.Found | None = None  # the cache read that gave the outline, if any

    def __post_init__(self):
        self._by_id = {item.lecture.pk: item for item in self.items}
        for item in self.items:
            item.course_slug = self.course.slug

    @property
    def content_version(self) -> int | None:
        """The version of the shared lecture rows it was made from; None: read fresh."""
        return None if self.found is None else self.found.current[CONTENT_VERSIONS.of()]

    @cached_property
    def fragment_key(self) -> str:
        """What the rendered outline depends on besides the content version and the page.

        Students at the same point of a course see the same outline, so they share one
        cached rendering (the unlock rule makes most completions a prefix of the course).
        Whether the user is enrolled is part of it: "Preview" labels are for visitors only.
        """
        states = (f"{item.state[0]}{item.is_published:d}" for item in self.items)
        return f"{self.can_manage:d}{self.enrollment is not None:d}{''.join(states)}"

    def state_of(self, lecture_id: int) -> LectureState | None:
        """None when the lecture is not in this user's outline (other course, unpublished)."""
        return self._by_id.get(lecture_id)

    @property
    def modules(self) -> list[ModuleOutline]:
        grouped: list[ModuleOutline] = []
        for item in self.items:
            if not grouped or grouped[-1].module is not item.lecture.module:
                grouped.append(ModuleOutline(module=item.lecture.module))
            grouped[-1].items.append(item)
        return grouped

    # Read several times per page (count, percent, completion): computed once.
    @cached_property
    def _published(self) -> list[LectureState]:
        return [item for item in self.items if item.is_published]

    @property
    def total(self) -> int:
        return len(self._published)

    @cached_property
    def completed_count(self) -> int:
        return sum(1 for item in self._published if item.lecture.pk in self.completed_ids)

    @property
    def percent(self) -> int:
        return progress_percent(self.completed_count, self.total)

    @property
    def is_complete(self) -> bool:
        return self.total > 0 and self.completed_count == self.total

    def next_to_do(self) -> LectureState | None:
        """The first open lecture not completed yet; the last open one when all are done."""
        open_items = [item for item in self.items if item.is_open]
        for item in open_items:
            if not item.is_completed:
                return item
        return open_items[-1] if open_items else None

    def neighbours(self, lecture_id: int) -> tuple[LectureState | None, LectureState | None]:
        index = next(i for i, item in enumerate(self.items) if item.lecture.pk == lecture_id)
        previous = self.items[index - 1] if index > 0 else None
        following = self.items[index + 1] if index + 1 < len(self.items) else None
        return previous, following


def progress_percent(completed: int, total: int) -> int:
    """Rounded down, so 100% means every lecture is done."""
    return completed * 100 // total if total else 0


def _outline_rows(course_ids) -> dict[int, list[tuple]]:
    """Every lecture of each course in course order, drafts included, as plain rows.

    Plain rows, not models: a course may have hundreds of lectures, each with a long body.
    """
    rows = {course_id: [] for course_id in course_ids}
    lectures = (
        Lecture.objects.filter(module__course_id__in=course_ids)
        .order_by("module__course_id", "module__order", "module_id", "order", "id")
        .values_list("module__course_id", *_OUTLINE_COLUMNS)
    )
    for course_id, *row in lectures:
        rows[course_id].append(tuple(row))
    return rows


_OUTLINE_COLUMNS = (
    "pk",
    "title",
    "is_free_preview",
    "is_published",
    "module_id",
    "module__title",
    "module__is_published",
)


def _content(*ident) -> list[cache.Version]:
    return [CONTENT_VERSIONS.of()]


# Entries of the /learn/ pages, read in one round trip. Courses are filed by slug, which a
# /learn/ URL names; the outline rows and the progress carry the id of the course they
# belong to, since a slug may pass to another course. What every learner shares (a course,
# its outline rows, a lecture with its body rendered) is valid until the content changes.
COURSE = cache.Kind("course", shape=Course, versions=_content, timeout=SHARED_TIMEOUT_SECONDS)
OUTLINE_ROWS = cache.Kind(
    "outline-rows",
    shape=("course-id", ",".join(_OUTLINE_COLUMNS)),
    versions=_content,
    timeout=SHARED_TIMEOUT_SECONDS,
)
LECTURE_PAGE = cache.Kind(
    "lecture-page",
    shape=(Lecture, "body_html", RENDERER_FINGERPRINT, "without-title-heading", "h2-first"),
    versions=_content,
    timeout=SHARED_TIMEOUT_SECONDS,
)
# A learner's own progress in one course, until their enrollments or completions change.
# Short: bounds the memory of learners who left.
LEARNER_PROGRESS = cache.Kind(
    "learner-progress",
    shape=("course-id", Enrollment, "completed-ids"),
    versions=lambda user_id, slug: [LEARNER_VERSIONS.of(user_id)],
    timeout=10 * 60,
)


def _rows_of(courses: dict[str, int], found: cache.Found) -> dict[str, list[tuple]]:
    """The outline rows of {slug: course id}: those `found` by a cache read that asked for
    them, the rest from the database, filed under the content version read."""
    rows, missing = {}, {}
    for slug, course_id in courses.items():
        entry = found.get(OUTLINE_ROWS(slug))
        if entry is not None and entry[0] == course_id:
            rows[slug] = entry[1]
        else:
            missing[slug] = course_id
    if missing:
        built = _outline_rows(missing.values())
        found.store({OUTLINE_ROWS(slug): (id_, built[id_]) for slug, id_ in missing.items()})
        rows.update({slug: built[id_] for slug, id_ in missing.items()})
    return rows


def _shared_outline_rows(courses: dict[str, int]) -> dict[str, list[tuple]]:
    """`_outline_rows` of {slug: course id}, by slug, shared by every learner until the
    course content changes."""
    return _rows_of(courses, cache.read(*map(OUTLINE_ROWS, courses)))


def _completed_ids(enrollment: Enrollment | None) -> frozenset[int]:
    """The lectures an active enrollment has completed (none for any other)."""
    if enrollment is None or not enrollment.is_active:
        return frozenset()
    return frozenset(
        LectureCompletion.objects.filter(enrollment=enrollment)
        .order_by()  # a set: the model's default order would only cost a sort
        .values_list("lecture_id", flat=True)
    )


def has_completed_all(*, enrollment: Enrollment | None, lecture_ids: Collection[int]) -> bool:
    """Whether `enrollment` (active) has completed each of `lecture_ids`, a course's published
    lectures: what pages show as a completed course. One query.

    Not `enrollment.completed_at`, which keeps the date the student first finished even once
    the course gains lectures.
    """
    return bool(lecture_ids) and set(lecture_ids) <= _completed_ids(enrollment)


def course_outline_state(*, user, course: Course, can_manage=None, enrollment=_LOOKUP):
    """Per-lecture state (completed / available / locked) of `course` for `user`.

    A student may open lecture L when the enrollment is active and every published lecture
    before L is completed, or when L is a free preview. Instructors of the course and admins
    open everything, unpublished lectures included (those never count for progress).
    Two queries: the lectures in course order and the enrollment's completions (plus the
    enrollment and the instructor check when the caller has not done them already). Read
    fresh from the database, for writes that check the rule; pages that only show the
    outline read it from the caches (`learner_outline`).
    """
    if can_manage is None:
        can_manage = can_manage_course(user=user, course=course)
    if enrollment is _LOOKUP:
        enrollment = active_enrollment(user=user, course=course)
    rows = _outline_rows([course.pk])[course.pk]
    return _outline(course, enrollment, can_manage, rows, _completed_ids(enrollment))


def learner_outline(
    *, user, slug: str, lecture_id: int | None = None, also: Sequence[cache.Entry] = ()
) -> CourseOutline:
    """The course behind a /learn/ URL with its outline for `user`; 404 when it is hidden.

    For pages that only show them (player, resume, media). The course and its lectures are
    the same for every learner until the content changes, and the user's enrollment and
    completions the same until they change. All come from the cache with the lecture
    `lecture_id` (see `lecture_for`), in one round trip when all are cached. `also`: entries
    of the page's own read in the same round trip, from `outline.found`.
    """
    entries = [COURSE(slug), OUTLINE_ROWS(slug), *also]
    if lecture_id is not None:
        entries.append(LECTURE_PAGE(lecture_id))
    progress = LEARNER_PROGRESS(user.pk, slug) if user.is_authenticated else None
    if progress is not None:
        entries.append(progress)
    found = cache.read(*entries)

    # Unknown slugs are not kept (None never is): they must not fill the cache.
    course = found.get(COURSE(slug), lambda: _course_by_slug(slug))
    if course is None:
        raise Http404
    can_manage = _can_manage_visible(user=user, course=course)
    rows = _rows_of({slug: course.pk}, found)[slug]

    cached = found.get(progress) if progress is not None else None
    if cached is not None and cached[0] == course.pk:  # a slug may pass to another course
        _course_id, enrollment, completed_ids = cached
    else:
        enrollment = active_enrollment(user=user, course=course)
        completed_ids = _completed_ids(enrollment)
        if progress is not None:
            found.store({progress: (course.pk, enrollment, completed_ids)})

    outline = _outline(course, enrollment, can_manage, rows, completed_ids)
    outline.found = found
    return outline


def _outline(course, enrollment, can_manage, rows, completed_ids) -> CourseOutline:
    """The unlock rule, applied to the course's lecture rows and the user's completions."""
    items = []
    modules: dict[int, OutlineModule] = {}
    active = enrollment is not None and enrollment.is_active
    all_before_done = True
    for row in rows:
        pk, title, is_free_preview, is_published, module_id, module_title, module_published = row
        published = is_published and module_published
        if not (published or can_manage):
            continue  # students never see a draft
        module = modules.get(module_id)
        if module is None:
            module = modules[module_id] = OutlineModule(module_id, module_title)
        done = pk in completed_ids
        if can_manage or is_free_preview or (active and all_before_done):
            state = COMPLETED if done else AVAILABLE
        else:
            state = LOCKED
        if published:
            all_before_done = all_before_done and done
        lecture = OutlineLecture(pk, module, title, is_free_preview)
        items.append(LectureState(lecture, state, len(items) + 1, published))
    return CourseOutline(course, enrollment, can_manage, items, completed_ids)


_LEADING_HEADING = re.compile(r"\A\s*<h([1-3])>(.*?)</h\1>\s*", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_HEADING_TAG = re.compile(r"(</?h)([1-6])(?=[\s>])")


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def without_title_heading(body_html: str, title: str) -> SafeString:
    """The rendered body without a first heading that only repeats the lecture's title.

    The player shows the title as the page's heading; bodies often open with it again.
    """
    match = _LEADING_HEADING.match(body_html)
    if match and _words(unescape(_TAG.sub("", match[2]))) == _words(title):
        body_html = body_html[match.end() :]
    body_html = _headings_from_h2(body_html)
    # Cut from HTML the sanitiser made: a whole element at its start goes, only heading
    # levels change, nothing is added.
    return mark_safe(body_html)  # noqa: S308  # nosec B308 B703


def _headings_from_h2(body_html: str) -> str:
    """The body's headings moved so its top level is h2, right under the page's h1.

    A body whose title heading was cut often goes on with h3; one written with "#" would
    make a second h1. Either breaks the page's outline for screen readers.
    """
    levels = [int(level) for _tag, level in _HEADING_TAG.findall(body_html)]
    shift = min(levels, default=2) - 2
    if not shift:
        return body_html
    return _HEADING_TAG.sub(lambda tag: f"{tag[1]}{min(6, max(2, int(tag[2]) - shift))}", body_html)


def _lecture_with_body(lecture_id: int) -> Lecture | None:
    lecture = Lecture.objects.filter(pk=lecture_id).first()
    if lecture is not None:
        # Rendered with the cached lecture: Markdown and sanitising cost more than the rest
        # of reading it, and the result is the same for every learner until the lecture
        # changes (which moves the content version).
        lecture.body_html = without_title_heading(render_markdown(lecture.body), lecture.title)
    return lecture


def lecture_for(outline: CourseOutline, item: LectureState) -> Lecture:
    """The whole lecture behind an entry of a `learner_outline`, for the player and its media.

    From the shared content cache (read with the outline when it was there), with its body
    rendered (`body_html`): a lecture is the same for everyone who may open it, and `item`
    has already been checked against the unlock rule.
    """
    if outline.found is None:
        raise ValueError("lecture_for() takes an outline from learner_outline()")
    lecture_id = item.lecture.pk
    lecture = outline.found.get(LECTURE_PAGE(lecture_id), lambda: _lecture_with_body(lecture_id))
    if lecture is None:
        raise Http404  # deleted after the outline was read
    return lecture


@dataclass(frozen=True, slots=True)
class LearningCard:
    """One course on My learning: what its card shows."""

    enrollment_id: int
    course_id: int
    course_title: str
    course_slug: str
    course_url: str
    resume_url: str
    cover_url: str
    completed_at: datetime | None
    last_lecture_title: str | None
    percent: int


MY_LEARNING = cache.Kind(
    "my-learning",
    shape=LearningCard,
    versions=lambda user_id: [CONTENT_VERSIONS.of(), LEARNER_VERSIONS.of(user_id)],
    timeout=60 * 60,
)


@dataclass(frozen=True, slots=True)
class MyLearning:
    """My learning's cards, and a key for their rendering."""

    cards: list[LearningCard]
    # Names the versions the cards are valid under: with the user and the language, a key
    # for their rendering, which costs more than the rest of the page (docs/bench.md).
    fragment_key: str


def my_learning(*, user) -> MyLearning:
    """The user's active enrollments in published courses, with progress, most recent first.

    One entry per user, valid until their progress or the course content changes.
    """
    entry = MY_LEARNING(user.pk)
    found = cache.read(entry)
    cards = found.get(entry, lambda: _learning_cards(user))
    return MyLearning(cards, ".".join(map(str, found.tag(entry))))


def _learning_cards(user) -> list[LearningCard]:
    """My learning's cards, read from the database.

    Two queries (the enrollments, their completions) and the courses' lectures from the
    shared cache, which knows which ones count. Plain rows, not models: the cards show a
    few columns of three tables, and building deferred model instances for them cost more
    than the queries.
    """
    rows = list(
        Enrollment.objects.filter(
            student=user,
            status=Enrollment.Status.ACTIVE,
            course__status=Course.Status.PUBLISHED,
        )
        .order_by(F("last_activity_at").desc(nulls_last=True), "-enrolled_at", "-id")
        .values_list(
            "pk",
            "course_id",
            "course__title",
            "course__slug",
            "completed_at",
            "last_lecture__title",
            "course__thumbnail",
            "course__category_id",
        )
    )
    if not rows:
        return []
    completed: dict[int, set[int]] = {row[0]: set() for row in rows}
    for enrollment_id, lecture_id in (
        LectureCompletion.objects.filter(enrollment__in=completed)
        .order_by()
        .values_list("enrollment_id", "lecture_id")
    ):
        completed[enrollment_id].add(lecture_id)
    rows_of = _shared_outline_rows({row[3]: row[1] for row in rows})
    cards = []
    for enrollment_row in rows:
        enrollment_id, course_id, title, slug, completed_at, last_lecture_title = enrollment_row[:6]
        # A row is (pk, title, is_free_preview, is_published, module_id, module title,
        # module is_published): only lectures published in published modules count.
        counted = {row[0] for row in rows_of[slug] if row[3] and row[6]}
        done = len(counted & completed[enrollment_id])
        cards.append(
            LearningCard(
                enrollment_id=enrollment_id,
                course_id=course_id,
                course_title=title,
                course_slug=slug,
                course_url=reverse("courses:detail", args=[slug]),
                resume_url=reverse("progress:resume", args=[slug]),
                cover_url=cover_url(*enrollment_row[6:]),
                completed_at=completed_at,
                last_lecture_title=last_lecture_title,
                percent=progress_percent(done, len(counted)),
            )
        )
    return cards


@dataclass(frozen=True, slots=True)
class RatingBar:
    stars: int
    count: int
    percent: int  # of all visible reviews, rounded to the nearest whole number


@dataclass(frozen=True, slots=True)
class RatingBreakdown:
    total: int
    average: float  # of the visible reviews; 0 without any
    bars: list[RatingBar]  # 5 stars first


def rating_breakdown(*, course) -> RatingBreakdown:
    """How many visible reviews gave `course` each number of stars: one query.

    Counts the same reviews as `visible_reviews` (hidden ones are left out), so its total
    is that list's length.
    """
    from django.db.models import Count

    counts = dict(
        Review.objects.filter(course=course, is_visible=True)
        .order_by()
        .values("rating")
        .annotate(n=Count("id"))
        .values_list("rating", "n")
    )
    total = sum(counts.values())
    bars = [
        RatingBar(
            stars, counts.get(stars, 0), round(counts.get(stars, 0) * 100 / total) if total else 0
        )
        for stars in range(5, 0, -1)
    ]
    average = sum(stars * n for stars, n in counts.items()) / total if total else 0.0
    return RatingBreakdown(total=total, average=average, bars=bars)


# --- Announcements ----------------------------------------------------------------------------


def course_announcements(*, course):
    """`course`'s announcements, newest first, with their authors (for paged lists)."""
    return (
        Announcement.objects.filter(course=course)
        .select_related("author")
        .order_by("-created_at", "-id")
    )


def announcement_body_html(body: str, *, top: int = 3) -> SafeString:
    """An announcement's Markdown as sanitised HTML (as lecture bodies are), its headings
    moved so their top level is `top`, under the announcement's own title (a "#" in the
    text must not make a second h1)."""
    html = render_markdown(body)
    levels = [int(level) for _tag, level in _HEADING_TAG.findall(html)]
    shift = min(levels, default=top) - top
    if shift:
        html = _HEADING_TAG.sub(
            lambda tag: f"{tag[1]}{min(6, max(top, int(tag[2]) - shift))}", html
        )
    # Only heading levels changed in what the sanitiser made.
    return mark_safe(html)  # noqa: S308  # nosec B308 B703


@dataclass(frozen=True, slots=True)
class AnnouncementHeadline:
    pk: int
    title: str
    created_at: datetime


LATEST_ANNOUNCEMENTS_SHOWN = 3
LATEST_ANNOUNCEMENTS = cache.Kind(
    "latest-announcements",
    shape=(AnnouncementHeadline, str(LATEST_ANNOUNCEMENTS_SHOWN)),
    versions=lambda course_id: [ANNOUNCEMENT_VERSIONS.of(course_id)],
    timeout=60 * 60,
)


def latest_announcements(*, course_id: int) -> list[AnnouncementHeadline]:
    """The newest announcements of a course, for the player's side: one query, then cached
    for every learner of the course until it posts another (or one is deleted)."""
    return cache.get(
        LATEST_ANNOUNCEMENTS(course_id),
        lambda: [
            AnnouncementHeadline(*row)
            for row in Announcement.objects.filter(course_id=course_id)
            .order_by("-created_at", "-id")
            .values_list("pk", "title", "created_at")[:LATEST_ANNOUNCEMENTS_SHOWN]
        ],
    )

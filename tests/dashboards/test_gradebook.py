"""The gradebook: what a course's managers see, the CSV export, who may open them, and the
query budgets."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from assessment.gradebook import (
    IN_PROGRESS,
    NOT_ATTEMPTED,
    NOT_PASSED,
    PASSED,
    gradebook_all_rows,
    gradebook_quizzes,
    gradebook_rows,
    gradebook_students,
)
from assessment.models import Attempt, ExtraAttempt, Quiz
from assessment.services import attempt_start, attempt_submit, extra_attempt_grant
from courses.models import Course, Lecture
from dashboards.gradebook_views import csv_cell
from progress.models import Enrollment
from progress.services import enrollment_revoke
from tests.assessment.conftest import NOW, correct_choice_ids, single, wrong_choice_ids
from tests.factories import (
    AdminFactory,
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    LectureFactory,
    ModuleFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class School:
    course: Course
    instructor: User
    other_instructor: User
    admin: User
    alice: User
    bob: User
    carol: User  # refunded: her enrollment is revoked
    erin: User  # enrolled, never tried a quiz
    outsider: User  # never enrolled
    first: Quiz  # module A, 2 attempts allowed, 10-minute limit
    second: Quiz  # module B, unlimited
    text_lecture: Lecture
    other_course: Course
    other_quiz: Quiz


def _right(question):
    return {str(question.pk): correct_choice_ids(question)[0]}


def _wrong(question):
    return {str(question.pk): wrong_choice_ids(question)[0]}


def take(student, quiz, answers, *, now=NOW, submit_at=None):
    attempt = attempt_start(student=student, quiz=quiz, now=now)
    return attempt_submit(student=student, attempt=attempt, answers=answers, now=submit_at or now)


def make_school() -> School:
    instructor, other_instructor = InstructorFactory(), InstructorFactory()
    course = CourseFactory(title="Statistics", instructors=[instructor])
    # Module B is created first, so ids and course order differ: columns follow the order.
    module_b = ModuleFactory(course=course, order=1, title="Module B")
    module_a = ModuleFactory(course=course, order=0, title="Module A")
    second_lecture = LectureFactory(
        module=module_b, order=0, title="Final quiz", kind=Lecture.Kind.QUIZ, body=""
    )
    first_lecture = LectureFactory(
        module=module_a, order=0, title="Warm-up quiz", kind=Lecture.Kind.QUIZ, body=""
    )
    text_lecture = LectureFactory(module=module_a, order=1, title="Reading")
    first = Quiz.objects.create(
        lecture=first_lecture, pass_mark=50, attempts_allowed=2, time_limit_seconds=600
    )
    second = Quiz.objects.create(lecture=second_lecture, pass_mark=70)
    q1 = single(first, "Mean or median?")
    q2a, q2b = single(second, "A", order=0), single(second, "B", order=1)

    alice = StudentFactory(name="Alice Archer", email="alice@example.com")
    bob = StudentFactory(name="Bob Brown", email="bob@example.com")
    carol = StudentFactory(name="Carol Cole", email="carol@example.com")
    erin = StudentFactory(name="Erin Evans", email="erin@example.com")
    outsider = StudentFactory(name="Olive Outsider", email="olive@example.com")
    enrollments = {s: EnrollmentFactory(student=s, course=course) for s in (alice, bob, carol)}
    EnrollmentFactory(student=erin, course=course)

    # Alice: fails, then passes the warm-up (2 of 2 used, then one extra granted); then
    # scores 50% in the final quiz (below its 70% mark).
    take(alice, first, _wrong(q1))
    take(alice, first, _right(q1))
    extra_attempt_grant(actor=instructor, quiz=first, student=alice)
    enrollments[alice].completions.create(lecture=text_lecture)
    take(alice, second, {**_right(q2a), **_wrong(q2b)})
    # Bob: a late attempt (scored 0), then one still open.
    late_at = NOW + timedelta(seconds=600 + settings.QUIZ_SUBMIT_GRACE_SECONDS + 1)
    take(bob, first, _right(q1), submit_at=late_at)
    attempt_start(student=bob, quiz=first, now=NOW)
    # Carol passed, then was refunded: she leaves the gradebook, her attempt stays.
    take(carol, first, _right(q1))
    enrollment_revoke(enrollment=enrollments[carol])
    # The instructor's own tries are never counted.
    for _ in range(3):
        take(instructor, first, _right(q1))

    other_course = CourseFactory(title="Other", instructors=[other_instructor])
    other_lecture = LectureFactory(
        module=ModuleFactory(course=other_course), kind=Lecture.Kind.QUIZ, body=""
    )
    other_quiz = Quiz.objects.create(lecture=other_lecture, attempts_allowed=1)
    return School(
        course=course,
        instructor=instructor,
        other_instructor=other_instructor,
        admin=AdminFactory(),
        alice=alice,
        bob=bob,
        carol=carol,
        erin=erin,
        outsider=outsider,
        first=first,
        second=second,
        text_lecture=text_lecture,
        other_course=other_course,
        other_quiz=other_quiz,
    )


@pytest.fixture
def school(db):
    return make_school()


def url(course, rest=""):
    return f"/teach/{course.slug}/gradebook/{rest}"


def csv_url(course):
    return f"/teach/{course.slug}/gradebook.csv"


def cell_html(html, student, quiz) -> str:
    match = re.search(
        rf'<td data-cell="{student.pk}-{quiz.pk}" data-status="(\w+)">(.*?)</td>', html, re.S
    )
    assert match, f"no cell for {student} in {quiz}"
    return match.group(1) + " " + " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())


# --- What the selectors read ------------------------------------------------------------


def test_columns_are_the_quizzes_in_course_order(school):
    quizzes = gradebook_quizzes(course=school.course)
    assert [(q.title, q.module_title, q.attempts_allowed) for q in quizzes] == [
        ("Warm-up quiz", "Module A", 2),
        ("Final quiz", "Module B", None),
    ]


def test_rows_are_the_active_students_with_their_standing(school):
    quizzes = gradebook_quizzes(course=school.course)
    rows = gradebook_rows(quizzes=quizzes, students=gradebook_students(course=school.course))
    # Carol's enrollment was revoked, the instructor never enrolled: neither is a row.
    assert [r.name for r in rows] == ["Alice Archer", "Bob Brown", "Erin Evans"]
    alice, bob, erin = ({c.quiz.title: c for c in r.cells} for r in rows)

    warm_up = alice["Warm-up quiz"]
    assert warm_up.best_score == Decimal("100.00")
    assert (warm_up.attempts_used, warm_up.extra_attempts, warm_up.attempts_allowed) == (2, 1, 3)
    assert warm_up.attempts_left == 1
    assert warm_up.passed and warm_up.status == PASSED
    final = alice["Final quiz"]
    assert final.best_score == Decimal("50.00")
    assert (final.attempts_used, final.attempts_allowed, final.status) == (1, None, NOT_PASSED)

    # Bob's late attempt counts as used and scores 0; his open one is in progress.
    late = bob["Warm-up quiz"]
    assert (late.best_score, late.attempts_used, late.late) == (Decimal("0.00"), 2, 1)
    assert not late.passed and late.status == IN_PROGRESS and late.attempts_left == 0

    assert erin["Warm-up quiz"].status == NOT_ATTEMPTED
    assert erin["Warm-up quiz"].best_score is None
    assert erin["Warm-up quiz"].attempts_allowed == 2


def test_a_managers_own_tries_never_count_even_when_enrolled(school):
    # The instructor tried the warm-up three times (uncounted), then enrolled as well.
    EnrollmentFactory(student=school.instructor, course=school.course)
    quizzes = gradebook_quizzes(course=school.course)
    students = gradebook_students(course=school.course, query=school.instructor.email)
    (row,) = gradebook_rows(quizzes=quizzes, students=students)
    assert row.student_id == school.instructor.pk
    assert [(c.attempts_used, c.best_score, c.status) for c in row.cells] == [
        (0, None, NOT_ATTEMPTED),
        (0, None, NOT_ATTEMPTED),
    ]


def test_the_page_shows_the_grades(client, school):
    client.force_login(school.instructor)
    response = client.get(url(school.course))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Gradebook: Statistics</h1>" in html
    # Columns in course order, each a header cell with its own scope.
    assert html.index("Warm-up quiz") < html.index("Final quiz")
    assert html.count('<th scope="col"') == 3
    assert html.count('<th scope="row">') == 3
    assert "<caption" in html and "Quiz results of 3 students" in html

    assert cell_html(html, school.alice, school.first) == (
        "passed 100% 2 of 3 attempts (1 extra) Passed +1 attempt for Alice Archer at Warm-up quiz"
    )
    assert cell_html(html, school.alice, school.second) == "not_passed 50% 1 attempt Not passed"
    assert cell_html(html, school.bob, school.first) == (
        "in_progress 0% 2 of 2 attempts In progress 1 late, scored 0"
        " +1 attempt for Bob Brown at Warm-up quiz"
    )
    assert cell_html(html, school.erin, school.second) == (
        "not_attempted – No score 0 attempts Not attempted"
    )
    # Not listed: the refunded student and the instructor (whose tries are not counted).
    assert "Carol Cole" not in html
    assert f'data-student="{school.instructor.pk}"' not in html
    # Strict CSP: no inline styles or scripts.
    assert "style=" not in html and "<script>" not in html


def test_unpublished_quizzes_are_marked(client, school):
    Lecture.objects.filter(pk=school.second.lecture_id).update(is_published=False)
    client.force_login(school.instructor)
    html = client.get(url(school.course)).content.decode()
    assert html.count("Not published") == 1
    assert [q.published for q in gradebook_quizzes(course=school.course)] == [True, False]


def test_a_quiz_lecture_turned_back_into_text_is_not_a_column(school):
    Lecture.objects.filter(pk=school.second.lecture_id).update(kind=Lecture.Kind.TEXT)
    assert [q.title for q in gradebook_quizzes(course=school.course)] == ["Warm-up quiz"]


def test_search_and_sort(client, school):
    client.force_login(school.instructor)

    def names(query):
        html = client.get(url(school.course, query)).content.decode()
        return re.findall(r'<span class="gb-name">([^<]+)</span>', html)

    assert names("?q=bob") == ["Bob Brown"]
    assert names("?q=ERIN%40example") == ["Erin Evans"]
    assert names("?sort=recent") == ["Erin Evans", "Bob Brown", "Alice Archer"]
    assert names("?sort=email") == ["Alice Archer", "Bob Brown", "Erin Evans"]
    assert names("?sort=nonsense") == ["Alice Archer", "Bob Brown", "Erin Evans"]
    html = client.get(url(school.course, "?q=nobody")).content.decode()
    assert "No student matches" in html
    # The search is bounded: an overlong one is ignored, not an error.
    assert names("?q=" + "x" * 500) == ["Alice Archer", "Bob Brown", "Erin Evans"]


def test_a_nameless_student_sorts_and_shows_by_email(client, school):
    nameless = StudentFactory(name="", email="bea@example.com")
    EnrollmentFactory(student=nameless, course=school.course)
    client.force_login(school.instructor)
    html = client.get(url(school.course)).content.decode()
    names = re.findall(r'<span class="gb-name">([^<]+)</span>', html)
    assert names == ["Alice Archer", "bea", "Bob Brown", "Erin Evans"]


def _bulk_students(course, count, prefix="s"):
    users = User.objects.bulk_create(
        User(email=f"{prefix}{i:04}@example.com", name=f"{prefix.upper()} {i:04}")
        for i in range(count)
    )
    Enrollment.objects.bulk_create(Enrollment(student=u, course=course) for u in users)
    return users


def test_pages_of_fifty_keep_the_search(client, school):
    _bulk_students(school.course, 60, prefix="zed")
    client.force_login(school.instructor)
    first = client.get(url(school.course, "?q=zed&sort=email")).content.decode()
    assert first.count('<th scope="row">') == 50
    assert "page 1 of 2" in first
    assert 'href="?q=zed&amp;sort=email&amp;page=2"' in first
    second = client.get(url(school.course, "?q=zed&sort=email&page=2")).content.decode()
    assert second.count('<th scope="row">') == 10
    assert "zed0059@example.com" in second and "zed0049@example.com" not in second
    # A page number out of range shows the last page, not an error.
    assert client.get(url(school.course, "?page=999")).status_code == 200


def test_a_course_without_quizzes(client, school):
    empty = CourseFactory(instructors=[school.instructor])
    EnrollmentFactory(course=empty)
    client.force_login(school.instructor)
    html = client.get(url(empty)).content.decode()
    assert "No quizzes yet" in html and "<table" not in html
    assert "Download CSV" not in html


def test_a_course_without_students(client, school):
    quiet = CourseFactory(instructors=[school.instructor])
    lecture = LectureFactory(module=ModuleFactory(course=quiet), kind=Lecture.Kind.QUIZ)
    Quiz.objects.create(lecture=lecture)
    client.force_login(school.instructor)
    html = client.get(url(quiet)).content.decode()
    assert "No students yet" in html and "<table" not in html


def test_the_gradebook_is_linked_from_the_workspace_and_the_analytics(client, school):
    client.force_login(school.instructor)
    link = f'href="{url(school.course)}"'
    assert link in client.get(f"/teach/{school.course.slug}/").content.decode()
    assert link in client.get(f"/teach/{school.course.slug}/analytics/").content.decode()


# --- Who may see it ---------------------------------------------------------------------


GRADEBOOK_PAGES = [
    lambda s: url(s.course),
    lambda s: csv_url(s.course),
    lambda s: url(s.course, f"quizzes/{s.first.lecture_id}/"),
]


@pytest.mark.parametrize("page", GRADEBOOK_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, school, page):
    response = client.get(page(school))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("page", GRADEBOOK_PAGES)
@pytest.mark.parametrize("who", ["alice", "other_instructor"])
def test_students_and_other_instructors_get_404(client, school, page, who):
    client.force_login(getattr(school, who))
    assert client.get(page(school)).status_code == 404


@pytest.mark.parametrize("page", GRADEBOOK_PAGES)
@pytest.mark.parametrize("who", ["instructor", "admin"])
def test_the_course_managers_get_in(client, school, page, who):
    client.force_login(getattr(school, who))
    assert client.get(page(school)).status_code == 200


def test_the_other_instructor_sees_their_own_course(client, school):
    client.force_login(school.other_instructor)
    assert client.get(url(school.other_course)).status_code == 200
    assert client.get(url(school.course)).status_code == 404
    assert client.get("/teach/no-such-course/gradebook/").status_code == 404


def test_the_pages_only_read(client, school):
    client.force_login(school.instructor)
    assert client.post(url(school.course)).status_code == 405
    assert client.post(csv_url(school.course)).status_code == 405


# --- CSV --------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_holds_one_row_per_student(client, school):
    client.force_login(school.instructor)
    response = client.get(csv_url(school.course))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="gradebook-statistics.csv"'
    rows = _csv(response)
    assert rows[0] == [
        "Name",
        "Email",
        "Enrolled",
        "Warm-up quiz: best score (%)",
        "Warm-up quiz: attempts used",
        "Warm-up quiz: attempts allowed",
        "Warm-up quiz: passed",
        "Final quiz: best score (%)",
        "Final quiz: attempts used",
        "Final quiz: attempts allowed",
        "Final quiz: passed",
    ]
    body = [row[:2] + row[3:] for row in rows[1:]]  # the enrollment date is today's
    assert body == [
        ["Alice Archer", "alice@example.com", "100.00", "2", "3", "yes", "50.00", "1", "", "no"],
        ["Bob Brown", "bob@example.com", "0.00", "2", "2", "no", "", "0", "", "no"],
        ["Erin Evans", "erin@example.com", "", "0", "2", "no", "", "0", "", "no"],
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row[2]) for row in rows[1:])


def test_the_csv_enrollment_date_is_the_sites_local_date(client, settings):
    """The CSV's "Enrolled" date is the day in the site's time zone, as the pages show it."""
    settings.TIME_ZONE = "America/New_York"
    teacher = InstructorFactory()
    course = CourseFactory(title="Statistics", instructors=[teacher])
    enrollment = EnrollmentFactory(student=StudentFactory(name="Ann"), course=course)
    # 5 January 2026, 21:00 in New York (02:00 UTC the next day).
    Enrollment.objects.filter(pk=enrollment.pk).update(
        enrolled_at=datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    )
    client.force_login(teacher)

    rows = _csv(client.get(csv_url(course)))

    assert rows[1][:3] == ["Ann", enrollment.student.email, "2026-01-05"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ann = Bob", "Ann = Bob"),
        ("", ""),
        (None, ""),
    ],
)
def test_csv_cells_never_start_a_formula(value, expected):
    assert csv_cell(value) == expected


def test_the_csv_escapes_names_and_titles_that_look_like_formulas(client, school):
    Lecture.objects.filter(pk=school.first.lecture_id).update(title="=cmd|' /C calc'!A0")
    User.objects.filter(pk=school.alice.pk).update(
        name='=HYPERLINK("http://evil.example","x")', email="+alice@example.com"
    )
    User.objects.filter(pk=school.bob.pk).update(name="@bob")
    client.force_login(school.instructor)
    rows = _csv(client.get(csv_url(school.course)))
    assert rows[0][3] == "'=cmd|' /C calc'!A0: best score (%)"
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["'+alice@example.com"][0] == '\'=HYPERLINK("http://evil.example","x")'
    assert by_email["bob@example.com"][0] == "'@bob"
    for row in rows:
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in row)


def test_the_csv_is_built_in_chunks_of_students(school, django_assert_num_queries):
    quizzes = gradebook_quizzes(course=school.course)
    _bulk_students(school.course, 3)
    everyone = gradebook_rows(quizzes=quizzes, students=gradebook_students(course=school.course))
    # Six students in chunks of two: one query for the list, two per chunk.
    with django_assert_num_queries(1 + 2 * 3):
        chunked = list(gradebook_all_rows(course=school.course, quizzes=quizzes, chunk_size=2))
    assert chunked == everyone


# --- Query budgets ----------------------------------------------------------------------


def _grow(course, students, quizzes):
    """`students` more students and `quizzes` more limited quizzes, with attempts and grants."""
    module = ModuleFactory(course=course, order=10 + Quiz.objects.count())
    new_quizzes = [
        Quiz.objects.create(
            lecture=LectureFactory(module=module, order=i, kind=Lecture.Kind.QUIZ, body=""),
            attempts_allowed=3,
        )
        for i in range(quizzes)
    ]
    users = _bulk_students(course, students, prefix=f"g{User.objects.count()}x")
    everything = list(Quiz.objects.filter(lecture__module__course=course))
    Attempt.objects.bulk_create(
        Attempt(
            quiz=quiz,
            student=user,
            started_at=NOW,
            submitted_at=NOW,
            score=Decimal(40 + i % 60),
            passed=i % 2 == 0,
            seed=1,
            snapshot={"version": 1, "pass_mark": 50, "questions": []},
        )
        for i, (quiz, user) in enumerate((q, u) for q in everything for u in users)
    )
    ExtraAttempt.objects.bulk_create(
        ExtraAttempt(quiz=q, student=u) for q in everything[:1] for u in users
    )
    return new_quizzes


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("path", [url, csv_url])
def test_the_query_count_does_not_grow_with_students_or_quizzes(
    client, school, path, django_assert_max_num_queries
):
    client.force_login(school.instructor)
    client.get(path(school.course))  # the first request reads what the next ones cache
    small = _queries(client, path(school.course))
    _grow(school.course, students=70, quizzes=6)
    with django_assert_max_num_queries(10):
        client.get(path(school.course))
    assert _queries(client, path(school.course)) == small

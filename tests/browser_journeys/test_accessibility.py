"""axe-core on every key page, for each role, on a laptop (1366×900) and a phone (390×844).

Each page × size is a test of its own: a small site seeded with the factories, the shared
browser's fresh context (the `page` fixture) logged in as the page's role, and axe on the
page as loaded.
"""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from assessment.models import Question, Quiz
from certificates.services import certificate_issue
from courses.models import Lecture
from notifications.models import Notification
from payments.models import Order
from progress.models import LectureCompletion
from tests.axe import assert_no_axe_violations
from tests.browser import log_in_with_session
from tests.factories import (
    AdminFactory,
    CategoryFactory,
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    LectureFactory,
    ModuleFactory,
    NotificationFactory,
    OrderFactory,
    ReviewFactory,
    StudentFactory,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}

# Like the demo lessons: the body opens with the lecture's title, then its sections.
LESSON = """## {title}

A paragraph of text with **bold** words and a [link to the catalog](/courses/).

### Worked example

| Topic | Remember |
|---|---|
| Layout | The lesson first, the outline a tap away. |

```python
print("hello")
```
"""


@dataclass(frozen=True)
class Page:
    role: str  # "anonymous", "student", "instructor" or "admin"
    path: str  # may name {course}, {done}, {text}, {video}, {locked}, {lecture}, {module}
    status: int = 200
    lands_on: str = ""  # where a redirect must end, when it is not `path`


PAGES = {
    "home": Page("anonymous", "/"),
    "catalog": Page("anonymous", "/courses/"),
    "catalog-filtered": Page(
        "anonymous", "/courses/?q=Accessible&category=a11y-design&level=beginner&sort=rating"
    ),
    "catalog-no-results": Page("anonymous", "/courses/?q=nothing-matches-this&price=paid"),
    "course-anonymous": Page("anonymous", "/courses/{course}/"),
    "course-enrolled": Page("student", "/courses/{course}/"),
    "course-completed": Page("student", "/courses/{done}/"),
    "player-text": Page("student", "/learn/{course}/lectures/{text}/"),
    "player-video": Page("student", "/learn/{course}/lectures/{video}/"),
    # A locked lecture sends the student on to the lecture to do next, with a message.
    "player-locked": Page(
        "student",
        "/learn/{course}/lectures/{locked}/",
        lands_on="/learn/{course}/lectures/{video}/",
    ),
    "my-learning": Page("student", "/learn/"),
    "my-purchases": Page("student", "/payments/orders/"),
    "notifications": Page("student", "/notifications/"),
    "profile": Page("student", "/accounts/profile/"),
    "login": Page("anonymous", "/accounts/login/"),
    "signup": Page("anonymous", "/accounts/signup/"),
    "teach-list": Page("instructor", "/teach/"),
    "workspace": Page("instructor", "/teach/{course}/"),
    "lecture-form": Page("instructor", "/teach/{course}/lectures/{lecture}/edit/"),
    "lecture-new": Page("instructor", "/teach/{course}/modules/{module}/lectures/new/"),
    "course-edit": Page("instructor", "/teach/{course}/details/"),
    "course-analytics": Page("instructor", "/teach/{course}/analytics/"),
    "gradebook": Page("instructor", "/teach/{course}/gradebook/"),
    "quiz-editor": Page("instructor", "/teach/{course}/lectures/{quiz}/quiz/"),
    "question-form": Page(
        "instructor", "/teach/{course}/lectures/{quiz}/quiz/questions/new/?kind=multiple"
    ),
    "my-certificates": Page("student", "/certificates/"),
    "course-complete": Page("student", "/learn/{done}/complete/"),
    "certificate-verify": Page("anonymous", "/certificates/{certificate}/"),
    "certificate-sheet": Page("anonymous", "/certificates/{certificate}/sheet/"),
    "admin-dashboard": Page("admin", "/admin/"),
    "admin-changelist": Page("admin", "/admin/courses/course/"),
    "forbidden-403": Page("student", "/teach/", 403),
    "not-found-404": Page("anonymous", "/courses/no-such-course/", 404),
}

# Violations known and not yet fixed, by (page, size or "*"): the reason names the rule and
# the element. The check stays strict: xfail(strict=True) fails the run once the page is
# fixed, so the entry goes then.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}


def _cases():
    for name in PAGES:
        for size in SIZES:
            marks = []
            reason = KNOWN_VIOLATIONS.get((name, size)) or KNOWN_VIOLATIONS.get((name, "*"))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(name, size, id=f"{name}-{size}", marks=marks)


@pytest.fixture
def site(transactional_db):
    """A small site with every kind of page filled in: the users by role, and the values
    the page paths name."""
    category = CategoryFactory(name="A11y Design")
    teacher = InstructorFactory(name="Ada Lovelace", bio="Writes about accessible design.")
    student = StudentFactory(name="Sam Student")
    admin = AdminFactory()

    course = CourseFactory(
        title="Accessible Interfaces",
        subtitle="Pages everyone can use",
        category=category,
        what_you_will_learn="Contrast\nLabels\nKeyboard use",
        requirements="Some HTML",
        duration_minutes=95,
        instructors=[teacher],
        is_featured=True,
    )
    lectures = []
    for m in range(2):
        module = ModuleFactory(course=course, order=m, title=f"Module {m + 1}")
        for n in range(3):
            title = f"Lecture {m + 1}.{n + 1}"
            lectures.append(
                LectureFactory(
                    module=module,
                    order=n,
                    title=title,
                    body=LESSON.format(title=title),
                    is_free_preview=m == n == 0,
                )
            )
    video = lectures[1]
    video.kind = Lecture.Kind.VIDEO
    video.video_provider, video.video_id = "youtube", "dQw4w9WgXcQ"
    video.save()
    quiz = Quiz.objects.create(
        lecture=LectureFactory(module=module, order=99, title="Check", kind=Lecture.Kind.QUIZ)
    )
    Question.objects.create(
        quiz=quiz, kind=Question.Kind.TRUE_FALSE, text="Contrast matters.", true_false_answer=True
    )
    enrollment = EnrollmentFactory(student=student, course=course)
    LectureCompletion.objects.create(enrollment=enrollment, lecture=lectures[0])
    for reviewer, rating in [(StudentFactory(), 5), (StudentFactory(), 4)]:
        EnrollmentFactory(student=reviewer, course=course)
        ReviewFactory(course=course, student=reviewer, rating=rating)

    done = CourseFactory(title="Colour and Contrast", category=category, instructors=[teacher])
    done_lecture = LectureFactory(module=ModuleFactory(course=done))
    done_enrollment = EnrollmentFactory(student=student, course=done)
    LectureCompletion.objects.create(enrollment=done_enrollment, lecture=done_lecture)
    done_enrollment.completed_at = timezone.now()
    done_enrollment.save(update_fields=["completed_at"])
    certificate = certificate_issue(enrollment=done_enrollment)

    paid = CourseFactory(
        title="Accessible Forms", category=category, price="29.00", instructors=[teacher]
    )
    OrderFactory(student=student, course=paid, status=Order.Status.PAID)
    OrderFactory(student=student, course=CourseFactory(price="19.00"))
    NotificationFactory(recipient=student, kind=Notification.Kind.ENROLLED, link="/learn/")
    NotificationFactory(
        recipient=student, kind=Notification.Kind.COURSE_COMPLETED, read_at=timezone.now()
    )

    users = {"student": student, "instructor": teacher, "admin": admin}
    names = {
        "course": course.slug,
        "done": done.slug,
        "text": lectures[0].pk,
        "video": video.pk,
        "locked": lectures[-1].pk,
        "lecture": lectures[0].pk,
        "module": lectures[0].module_id,
        "certificate": certificate.uuid,
        "quiz": quiz.lecture_id,
    }
    return users, names


@pytest.mark.parametrize(("name", "size"), list(_cases()))
def test_no_axe_violations(page, live_daphne, site, name, size):
    spec = PAGES[name]
    users, names = site
    page.set_viewport_size(SIZES[size])
    if spec.role != "anonymous":
        log_in_with_session(page, live_daphne, users[spec.role])
    response = page.goto(spec.path.format(**names))
    assert response is not None
    assert response.status == spec.status, f"{page.url}: {response.status}"
    if spec.lands_on:
        assert page.url == live_daphne + spec.lands_on.format(**names)
    assert_no_axe_violations(page)


# The dark scheme (prefers-color-scheme) has its own colours: the pages whose look differs
# most, at one size, for contrast above all.
DARK_PAGES = [
    "home",
    "catalog",
    "course-anonymous",
    "player-text",
    "my-learning",
    "notifications",
    "profile",
    "workspace",
    "course-analytics",
    "gradebook",
    "certificate-verify",
    "admin-dashboard",
    "forbidden-403",
]


@pytest.mark.parametrize("name", DARK_PAGES)
def test_no_axe_violations_in_the_dark_scheme(page, live_daphne, site, name):
    spec = PAGES[name]
    users, names = site
    page.set_viewport_size(SIZES["desktop"])
    page.emulate_media(color_scheme="dark")
    if spec.role != "anonymous":
        log_in_with_session(page, live_daphne, users[spec.role])
    response = page.goto(spec.path.format(**names))
    assert response is not None and response.status == spec.status
    assert_no_axe_violations(page)

"""Every URL of the site, every kind of visitor: who gets what.

The URL patterns come from the resolver, so a new view without an entry in MATRIX (or a
rule for the admin and allauth) fails `test_every_url_has_an_entry`. Each entry gives, for
GET and for POST where the view takes one, the expected outcome per role, in ROLES order:
an HTTP status, "login" (302 to the login page), "admin-login" (302 to the admin's login
page) or "3xx" (a redirect elsewhere).

The objects in the URLs belong to the enrolled student and to the assigned instructor, so
"other_student" and "other_instructor" show that ownership is checked, not just the role.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from notifications.emails import unsubscribe_token
from notifications.models import Notification
from payments.models import Order
from tests.factories import (
    AdminFactory,
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

ROLES = (
    "anonymous",
    "student",
    "enrolled",
    "other_student",
    "instructor",
    "other_instructor",
    "admin",
)


@dataclass
class World:
    users: dict
    course: object
    draft: object
    module: object
    first: object
    locked: object
    preview: object
    review: object
    order: object
    notification: object
    extra: dict = field(default_factory=dict)


def build_world() -> World:
    instructor = InstructorFactory()
    course = CourseFactory(title="Matrix course", price=Decimal("49.00"), instructors=[instructor])
    draft = CourseFactory(title="Matrix draft", status="draft", instructors=[instructor])
    module = ModuleFactory(course=course, order=0)
    first = LectureFactory(module=module, order=0)
    first.attachment.save("notes.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    locked = LectureFactory(module=module, order=1)
    preview = LectureFactory(module=module, order=2, is_free_preview=True)
    enrolled = StudentFactory()
    EnrollmentFactory(student=enrolled, course=course, source="paid")
    other_student = StudentFactory()
    EnrollmentFactory(student=other_student, course=CourseFactory(title="Elsewhere"))
    return World(
        users={
            "anonymous": None,
            "student": StudentFactory(),
            "enrolled": enrolled,
            "other_student": other_student,
            "instructor": instructor,
            "other_instructor": InstructorFactory(),
            "admin": AdminFactory(),
        },
        course=course,
        draft=draft,
        module=module,
        first=first,
        locked=locked,
        preview=preview,
        review=ReviewFactory(course=course, student=enrolled),
        order=OrderFactory(student=enrolled, course=course, amount=course.price),
        notification=NotificationFactory(recipient=enrolled, kind=Notification.Kind.ENROLLED),
    )


def quiz_path(world: World, suffix: str = "", attempt: str | None = None) -> str:
    """A quiz lecture (a free preview, so only enrollment gates it) and, when asked, an
    attempt of the enrolled student at it: open, or submitted."""
    from assessment.models import Quiz
    from assessment.services import attempt_start, attempt_submit
    from tests.assessment.conftest import single

    lecture = LectureFactory(
        module=world.module, order=3, kind="quiz", body="", is_free_preview=True
    )
    quiz = Quiz.objects.create(lecture=lecture, pass_mark=50)
    single(quiz)
    base = f"/learn/{world.course.slug}/lectures/{lecture.pk}/quiz/"
    if attempt is None:
        return base + suffix
    taken = attempt_start(student=world.users["enrolled"], quiz=quiz)
    if attempt == "submitted":
        attempt_submit(student=world.users["enrolled"], attempt=taken, answers={})
    return base + suffix.format(attempt=taken.pk)


def certificate_path(world: World, suffix: str = "") -> str:
    """The enrolled student's certificate (their course finished): its public pages."""
    from django.utils import timezone

    from certificates.services import certificate_issue
    from progress.models import Enrollment

    enrollment = Enrollment.objects.get(student=world.users["enrolled"], course=world.course)
    enrollment.completed_at = timezone.now()
    enrollment.save(update_fields=["completed_at"])
    return f"/certificates/{certificate_issue(enrollment=enrollment).uuid}/{suffix}"


def course_complete_path(world: World) -> str:
    certificate_path(world)
    return f"/learn/{world.course.slug}/complete/"


def quiz_editor_path(world: World, suffix: str = "") -> str:
    """The quiz editor of a quiz lecture of the course, with one question (`{question}`)."""
    from assessment.models import Quiz
    from tests.assessment.conftest import single

    lecture = LectureFactory(module=world.module, order=3, kind="quiz", body="")
    question = single(Quiz.objects.create(lecture=lecture))
    base = f"/teach/{world.course.slug}/lectures/{lecture.pk}/quiz/"
    return base + suffix.format(question=question.pk)


def gradebook_quiz_path(world: World, suffix: str = "") -> str:
    from assessment.models import Quiz

    lecture = LectureFactory(module=world.module, order=3, kind="quiz", body="")
    Quiz.objects.create(lecture=lecture, attempts_allowed=1)
    return f"/teach/{world.course.slug}/gradebook/quizzes/{lecture.pk}/{suffix}"


def expect(spec: str) -> dict:
    values = spec.split()
    assert len(values) == len(ROLES), spec
    return dict(zip(ROLES, values, strict=True))


# name -> (path builder, {method: expectations in ROLES order}[, {method: data}[, settings]])
MATRIX = {
    # Public pages.
    "courses:home": (lambda w: "/", {"GET": "200 200 200 200 200 200 200"}),
    "courses:catalog": (lambda w: "/courses/", {"GET": "200 200 200 200 200 200 200"}),
    "courses:detail": (
        lambda w: w.course.get_absolute_url(),
        {"GET": "200 200 200 200 200 200 200"},
    ),
    "healthz": (lambda w: "/healthz", {"GET": "200 200 200 200 200 200 200"}),
    # Buying: login first; the enrolled student already owns it and goes back to the course.
    "course-enroll": (
        lambda w: f"{w.course.get_absolute_url()}enroll/",
        {"GET": "405 405 405 405 405 405 405", "POST": "login 3xx 3xx 3xx 3xx 3xx 3xx"},
        {},
        {"DEBUG": True, "DEV_CHECKOUT_ENABLED": True},
    ),
    "payments:orders": (
        lambda w: "/payments/orders/",
        {"GET": "login 200 200 200 200 200 200"},
    ),
    "payments:success": (
        lambda w: "/payments/success/",
        # Without a session id there is nothing to confirm: a clear 400, not a guess.
        {"GET": "login 400 400 400 400 400 400"},
    ),
    "payments:cancel": (
        lambda w: "/payments/cancel/",
        {"GET": "login 200 200 200 200 200 200"},
    ),
    # Only the order's owner may see the development checkout of that order.
    "payments:dev-checkout": (
        lambda w: f"/payments/dev-checkout/{w.order.pk}/",
        {"GET": "login 404 200 404 404 404 404", "POST": "login 404 3xx 404 404 404 404"},
        {},
        {"DEBUG": True, "DEV_CHECKOUT_ENABLED": True},
    ),
    # Only the order's owner may cancel it.
    "payments:order-cancel": (
        lambda w: f"/payments/orders/{w.order.pk}/cancel/",
        {"GET": "405 405 405 405 405 405 405", "POST": "login 404 3xx 404 404 404 404"},
    ),
    # Stripe only: no signature, no entry, whoever is logged in.
    "payments:stripe-webhook": (
        lambda w: "/payments/stripe/webhook/",
        {"GET": "405 405 405 405 405 405 405", "POST": "400 400 400 400 400 400 400"},
    ),
    # Learning.
    "progress:my_learning": (lambda w: "/learn/", {"GET": "login 200 200 200 200 200 200"}),
    "progress:resume": (
        lambda w: f"/learn/{w.course.slug}/",
        {"GET": "login 3xx 3xx 3xx 3xx 3xx 3xx"},
    ),
    "progress:player": (
        lambda w: f"/learn/{w.course.slug}/lectures/{w.locked.pk}/",
        {"GET": "3xx 3xx 3xx 3xx 200 3xx 200"},
    ),
    "progress:complete": (
        lambda w: f"/learn/{w.course.slug}/lectures/{w.first.pk}/complete/",
        # Instructors and admins may open every lecture, but have no progress to record.
        {"GET": "login 405 405 405 405 405 405", "POST": "login 403 3xx 403 3xx 403 3xx"},
    ),
    "progress:media": (
        lambda w: f"/learn/{w.course.slug}/lectures/{w.first.pk}/media/attachment/",
        # Paid media: the file for those with access, and no hint of it for anyone else.
        {"GET": "404 404 200 404 200 404 200"},
    ),
    "progress:review": (
        lambda w: f"/learn/{w.course.slug}/review/",
        {"GET": "login 405 405 405 405 405 405", "POST": "login 403 3xx 403 403 403 403"},
        {"POST": {"rating": "4", "text": "Fair."}},
    ),
    "progress:review_delete": (
        lambda w: f"/learn/{w.course.slug}/review/delete/",
        # Only the author's own review can go; nobody else has one here to find.
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 3xx 404 404 404 404"},
    ),
    # Quizzes: enrolled students take them; course managers too (their attempts do not
    # count); an attempt is its student's only.
    "assessment:quiz": (
        lambda w: quiz_path(w),
        {"GET": "login 403 200 403 200 403 200"},
    ),
    "assessment:start": (
        lambda w: quiz_path(w, "start/"),
        {"GET": "login 405 405 405 405 405 405", "POST": "login 403 3xx 403 3xx 403 3xx"},
    ),
    "assessment:attempt": (
        lambda w: quiz_path(w, "attempts/{attempt}/", attempt="open"),
        {"GET": "login 403 200 403 404 403 404", "POST": "login 403 3xx 403 404 403 404"},
    ),
    "assessment:result": (
        lambda w: quiz_path(w, "attempts/{attempt}/result/", attempt="submitted"),
        {"GET": "login 403 200 403 404 403 404"},
    ),
    # Teaching: the assigned instructor and admins; anyone else learns nothing (404).
    "teach:course_list": (lambda w: "/teach/", {"GET": "login 403 403 403 200 200 200"}),
    "teach:workspace": (
        lambda w: f"/teach/{w.course.slug}/",
        {"GET": "login 404 404 404 200 404 200"},
    ),
    # Every field of the course details form is optional: an empty form saves (and redirects).
    "teach:course_edit": (
        lambda w: f"/teach/{w.course.slug}/details/",
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 3xx 404 3xx"},
    ),
    # An empty order is bad input: 400 for those allowed.
    "teach:module_reorder": (
        lambda w: f"/teach/{w.course.slug}/modules/reorder/",
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:lecture_reorder": (
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/lectures/reorder/",
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:module_create": (
        lambda w: f"/teach/{w.course.slug}/modules/new/",
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 200 404 200"},
    ),
    "teach:module_edit": (
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/edit/",
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 200 404 200"},
    ),
    "teach:module_delete": (
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/delete/",
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 3xx 404 3xx"},
    ),
    "teach:module_move": (
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/move/",
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:module_publish": (
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/publish/",
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 404 404 400 404 400"},
    ),
    # An empty lecture form is bad input: 400 with the form's errors, for those allowed.
    "teach:lecture_create": (
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/lectures/new/",
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:lecture_edit": (
        lambda w: f"/teach/{w.course.slug}/lectures/{w.first.pk}/edit/",
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:lecture_delete": (
        lambda w: f"/teach/{w.course.slug}/lectures/{w.first.pk}/delete/",
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 3xx 404 3xx"},
    ),
    "teach:lecture_move": (
        lambda w: f"/teach/{w.course.slug}/lectures/{w.first.pk}/move/",
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:lecture_publish": (
        lambda w: f"/teach/{w.course.slug}/lectures/{w.first.pk}/publish/",
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 404 404 400 404 400"},
    ),
    "dashboards:course_analytics": (
        lambda w: f"/teach/{w.course.slug}/analytics/",
        {"GET": "login 404 404 404 200 404 200"},
    ),
    # The user's own profile only; there is no URL for anyone else's.
    "accounts:profile": (
        lambda w: "/accounts/profile/",
        {"GET": "login 200 200 200 200 200 200", "POST": "login 200 200 200 200 200 200"},
    ),
    # Notifications: everyone their own; another user's notification does not exist (404).
    "notifications:list": (lambda w: "/notifications/", {"GET": "login 200 200 200 200 200 200"}),
    "notifications:read": (
        lambda w: f"/notifications/{w.notification.pk}/read/",
        {"GET": "405 405 405 405 405 405 405", "POST": "login 404 3xx 404 404 404 404"},
    ),
    "notifications:latest": (
        lambda w: "/notifications/latest/",
        {"GET": "login 200 200 200 200 200 200", "POST": "405 405 405 405 405 405 405"},
    ),
    "notifications:read_all": (
        lambda w: "/notifications/read-all/",
        {"GET": "405 405 405 405 405 405 405", "POST": "login 3xx 3xx 3xx 3xx 3xx 3xx"},
    ),
    # Email settings: everyone their own (an empty POST misses every choice).
    "notifications:preferences": (
        lambda w: "/notifications/preferences/",
        {"GET": "login 200 200 200 200 200 200", "POST": "login 400 400 400 400 400 400"},
    ),
    # Unsubscribe: the signed token in the link decides, not the session (it works logged out).
    "notifications:unsubscribe": (
        lambda w: reverse(
            "notifications:unsubscribe",
            args=[unsubscribe_token(user_id=w.users["enrolled"].pk, kind="new_lecture")],
        ),
        {"GET": "200 200 200 200 200 200 200", "POST": "200 200 200 200 200 200 200"},
    ),
    # Certificates: public by their unguessable address (the holder shares it); the list is
    # each student's own; the course-complete page only for the student who finished.
    "certificates:mine": (
        lambda w: "/certificates/",
        {"GET": "login 200 200 200 200 200 200", "POST": "login 405 405 405 405 405 405"},
    ),
    "certificates:issuer": (
        lambda w: "/certificates/issuer.json",
        {"GET": "200 200 200 200 200 200 200", "POST": "405 405 405 405 405 405 405"},
    ),
    "certificates:verify": (
        lambda w: certificate_path(w),
        {"GET": "200 200 200 200 200 200 200", "POST": "405 405 405 405 405 405 405"},
    ),
    "certificates:sheet": (
        lambda w: certificate_path(w, "sheet/"),
        {"GET": "200 200 200 200 200 200 200"},
    ),
    "certificates:pdf": (
        lambda w: certificate_path(w, "certificate.pdf"),
        {"GET": "200 200 200 200 200 200 200"},
    ),
    "certificates:credential": (
        lambda w: certificate_path(w, "credential.json"),
        {"GET": "200 200 200 200 200 200 200", "POST": "405 405 405 405 405 405 405"},
    ),
    "certificates:course_complete": (
        course_complete_path,
        {"GET": "login 3xx 200 3xx 3xx 3xx 3xx", "POST": "login 405 405 405 405 405 405"},
    ),
    # Announcements: read by the course's students and managers; others are sent to the
    # course page (the list) or refused (its fragment); posted by managers only.
    "progress:announcements": (
        lambda w: f"/learn/{w.course.slug}/announcements/",
        {"GET": "login 3xx 200 3xx 200 3xx 200", "POST": "login 405 405 405 405 405 405"},
    ),
    "progress:announcements_latest": (
        lambda w: f"/learn/{w.course.slug}/announcements/latest/",
        {"GET": "login 403 200 403 200 403 200"},
    ),
    "teach:announcements": (
        lambda w: f"/teach/{w.course.slug}/announcements/",
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 400 404 400"},
    ),
    # The quiz editor: the workspace's rule (empty forms are bad input: 400).
    "teach:quiz_edit": (
        lambda w: quiz_editor_path(w),
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:quiz_import": (
        lambda w: quiz_editor_path(w, "import/"),
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:quiz_export": (
        lambda w: quiz_editor_path(w, "export/"),
        {"GET": "login 404 404 404 200 404 200", "POST": "login 405 405 405 405 405 405"},
    ),
    "teach:question_create": (
        lambda w: quiz_editor_path(w, "questions/new/?kind=single"),
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:question_reorder": (
        lambda w: quiz_editor_path(w, "questions/reorder/"),
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:question_edit": (
        lambda w: quiz_editor_path(w, "questions/{question}/edit/"),
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 400 404 400"},
    ),
    "teach:question_delete": (
        lambda w: quiz_editor_path(w, "questions/{question}/delete/"),
        {"GET": "login 404 404 404 200 404 200", "POST": "login 404 404 404 3xx 404 3xx"},
    ),
    "teach:question_move": (
        lambda w: quiz_editor_path(w, "questions/{question}/move/"),
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 404 404 400 404 400"},
    ),
    # The gradebook: the course's managers only (an empty grant is refused with a message).
    "dashboards:gradebook": (
        lambda w: f"/teach/{w.course.slug}/gradebook/",
        {"GET": "login 404 404 404 200 404 200", "POST": "login 405 405 405 405 405 405"},
    ),
    "dashboards:gradebook_csv": (
        lambda w: f"/teach/{w.course.slug}/gradebook.csv",
        {"GET": "login 404 404 404 200 404 200"},
    ),
    "dashboards:gradebook_quiz": (
        lambda w: gradebook_quiz_path(w),
        {"GET": "login 404 404 404 200 404 200"},
    ),
    "dashboards:gradebook_grant": (
        lambda w: gradebook_quiz_path(w, "grant/"),
        {"GET": "login 405 405 405 405 405 405", "POST": "login 404 404 404 3xx 404 3xx"},
    ),
}

# allauth's views: pages for visitors, and pages for a logged-in user.
ALLAUTH = {
    "account_login": ("/accounts/login/", "200 3xx 3xx 3xx 3xx 3xx 3xx"),
    "account_signup": ("/accounts/signup/", "200 3xx 3xx 3xx 3xx 3xx 3xx"),
    "account_logout": ("/accounts/logout/", "3xx 200 200 200 200 200 200"),
    "account_inactive": ("/accounts/inactive/", "200 200 200 200 200 200 200"),
    "account_reset_password": ("/accounts/password/reset/", "200 200 200 200 200 200 200"),
    "account_reset_password_done": (
        "/accounts/password/reset/done/",
        "200 200 200 200 200 200 200",
    ),
    "account_reset_password_from_key": (
        "/accounts/password/reset/key/1-set-password/",
        "200 200 200 200 200 200 200",
    ),
    "account_reset_password_from_key_done": (
        "/accounts/password/reset/key/done/",
        "200 200 200 200 200 200 200",
    ),
    "account_change_password": (
        "/accounts/password/change/",
        "login 200 200 200 200 200 200",
    ),
    "account_set_password": ("/accounts/password/set/", "login 3xx 3xx 3xx 3xx 3xx 3xx"),
    "account_email": ("/accounts/email/", "login 200 200 200 200 200 200"),
    "account_email_verification_sent": (
        "/accounts/confirm-email/",
        "200 200 200 200 200 200 200",
    ),
    # A wrong key shows allauth's "invalid link" page.
    "account_confirm_email": ("/accounts/confirm-email/not-a-key/", "200 200 200 200 200 200 200"),
    "account_reauthenticate": ("/accounts/reauthenticate/", "login 200 200 200 200 200 200"),
    "account_request_reauthentication_code": (
        "/accounts/reauthenticate/code/",
        "login 3xx 3xx 3xx 3xx 3xx 3xx",
    ),
    "account_confirm_reauthentication_code": (
        "/accounts/reauthenticate/code/confirm/",
        "login 3xx 3xx 3xx 3xx 3xx 3xx",
    ),
    "account_confirm_login_code": (
        "/accounts/login/code/confirm/",
        "login 3xx 3xx 3xx 3xx 3xx 3xx",
    ),
    # Two-factor authentication (allauth.mfa): each user's own; changes ask for the password
    # again first (3xx to re-authenticate); no recovery codes yet is a 404.
    "mfa_index": ("/accounts/2fa/", "login 200 200 200 200 200 200"),
    "mfa_authenticate": ("/accounts/2fa/authenticate/", "login 3xx 3xx 3xx 3xx 3xx 3xx"),
    "mfa_reauthenticate": ("/accounts/2fa/reauthenticate/", "login 3xx 3xx 3xx 3xx 3xx 3xx"),
    "mfa_activate_totp": ("/accounts/2fa/totp/activate/", "login 3xx 3xx 3xx 3xx 3xx 3xx"),
    "mfa_deactivate_totp": ("/accounts/2fa/totp/deactivate/", "login 404 404 404 404 404 404"),
    "mfa_view_recovery_codes": (
        "/accounts/2fa/recovery-codes/",
        "login 404 404 404 404 404 404",
    ),
    "mfa_generate_recovery_codes": (
        "/accounts/2fa/recovery-codes/generate/",
        "login 3xx 3xx 3xx 3xx 3xx 3xx",
    ),
    "mfa_download_recovery_codes": (
        "/accounts/2fa/recovery-codes/download/",
        "login 404 404 404 404 404 404",
    ),
}

# Admin URLs that are not per-model; per-model ones are checked for every registered model.
ADMIN_SITE_URLS = {"admin:index", "admin:login", "admin:logout", "admin:password_change",
                   "admin:password_change_done", "admin:jsi18n", "admin:app_list",
                   "admin:autocomplete", "admin:view_on_site"}  # fmt: skip
ADMIN_MODEL_ACTIONS = ("changelist", "add", "change", "delete", "history")
# Admin views beyond the five per model, each checked in test_admin_is_for_admins_only.
ADMIN_EXTRA_URLS = {"admin:auth_user_password_change"}
# Development-only routes that production never has.
DEBUG_ONLY_PATTERNS = {"^media/(?P<path>.*)$"}


def url_names():
    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), full_ns)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield prefix + str(pattern.pattern), name

    return list(walk(get_resolver().url_patterns))


def registered_admin_names():
    names = set()
    for model in admin.site._registry:
        opts = model._meta
        names.update(f"admin:{opts.app_label}_{opts.model_name}_{a}" for a in ADMIN_MODEL_ACTIONS)
    return names


def test_every_url_has_an_entry():
    admin_model_names = registered_admin_names()
    missing = []
    for route, name in url_names():
        if route in DEBUG_ONLY_PATTERNS:
            continue
        if name in MATRIX or name in ALLAUTH or name in ADMIN_SITE_URLS:
            continue
        if name in admin_model_names or name in ADMIN_EXTRA_URLS:
            continue
        if name == "admin:None" and (route.endswith("<path:object_id>/") or route.endswith("$")):
            # Django's unnamed redirects (object id -> change page, catch-all -> login/404).
            continue
        missing.append(f"{route} ({name})")
    assert missing == [], "URLs without an authorization entry: " + ", ".join(missing)


def outcome(response) -> str:
    if response.status_code in (301, 302, 303):
        location = response.headers["Location"]
        if location.startswith(reverse("account_login")):
            return "login"
        if location.startswith(reverse("admin:login")):
            return "admin-login"
        return "3xx"
    return str(response.status_code)


def observe(client, world, method, path, data=None):
    """Each role's outcome, each inside a rolled-back savepoint so POSTs do not leak."""
    seen = {}
    for role in ROLES:
        with transaction.atomic():
            client.logout()
            if world.users[role] is not None:
                client.force_login(world.users[role])
            send = client.post if method == "POST" else client.get
            seen[role] = outcome(send(path, data or {}))
            transaction.set_rollback(True)
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method"),
    [(name, method) for name, (_, methods, *_) in MATRIX.items() for method in methods],
)
def test_matrix(client, settings, name, method):
    path_for, methods, data, overrides = (*MATRIX[name], {}, {})[:4]
    for setting, value in overrides.items():
        setattr(settings, setting, value)
    world = build_world()
    seen = observe(client, world, method, path_for(world), data.get(method))
    assert seen == expect(methods[method])


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ALLAUTH))
def test_allauth_pages(client, name):
    world = build_world()
    path, spec = ALLAUTH[name]
    assert observe(client, world, "GET", path) == expect(spec)


ADMIN_DENIED = "admin-login admin-login admin-login admin-login admin-login admin-login"


def _admin_allowed(model_admin, action, user, obj=None) -> str:
    request = RequestFactory().get("/admin/")
    request.user = user
    permitted = {
        "changelist": model_admin.has_view_or_change_permission(request),
        "add": model_admin.has_add_permission(request),
        "change": model_admin.has_view_or_change_permission(request, obj),
        "history": model_admin.has_view_or_change_permission(request, obj),
        "delete": model_admin.has_delete_permission(request, obj),
    }[action]
    return "200" if permitted else "403"


@pytest.mark.django_db
def test_admin_is_for_admins_only(client):
    """Every admin page of every registered model: only the admin role gets in."""
    world = build_world()
    admin_user = world.users["admin"]
    checked = 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        obj = model._default_manager.order_by("pk").first()
        for action in ADMIN_MODEL_ACTIONS:
            args = [] if action in ("changelist", "add") else [obj.pk] if obj else None
            if args is None:
                continue
            path = reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)
            allowed = _admin_allowed(model_admin, action, admin_user, obj)
            assert observe(client, world, "GET", path) == expect(f"{ADMIN_DENIED} {allowed}"), path
            checked += 1
    assert checked > 40  # every model with objects in the world, all five pages
    password = reverse("admin:auth_user_password_change", args=[world.users["student"].pk])
    assert observe(client, world, "GET", password) == expect(f"{ADMIN_DENIED} 200")
    assert observe(client, world, "GET", reverse("admin:index")) == expect(f"{ADMIN_DENIED} 200")


@pytest.mark.django_db
def test_objects_of_other_users_are_untouched_by_their_posts(client):
    """The POSTs above ran in savepoints; here, the end state of a few hostile posts."""
    world = build_world()
    client.force_login(world.users["other_student"])
    client.post(f"/learn/{world.course.slug}/review/delete/")
    client.post(f"/payments/dev-checkout/{world.order.pk}/")
    assert world.review.__class__.objects.filter(pk=world.review.pk).exists()
    assert Order.objects.get(pk=world.order.pk).status == Order.Status.PENDING

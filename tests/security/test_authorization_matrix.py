"""Every URL of the site, every kind of visitor: who gets what.

The URL patterns come from the resolver, so a new view without an entry in MATRIX (or a
rule for the admin and allauth) fails `test_every_url_has_an_entry`. Each entry gives, for
GET and for POST where the view takes one, the expected outcome per role, in ROLES order:
an HTTP status, "login" (302 to the login page), "admin-login" (302 to the admin's login
page) or "3xx" (a redirect elsewhere). everyone(), signed_in(), managers() and owner() spell
the shapes that recur.

The objects in the URLs belong to the enrolled student and to the assigned instructor, so
"other_student" and "other_instructor" show that ownership is checked, not just the role.
"""

from collections.abc import Callable
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


def announcement_path(world: World, suffix: str) -> str:
    """An announcement of the course, by its instructor."""
    from progress.models import Announcement

    announcement = Announcement.objects.create(
        course=world.course, author=world.users["instructor"], title="Matrix news", body="x"
    )
    return f"/teach/{world.course.slug}/announcements/{announcement.pk}/{suffix}"


def gradebook_quiz_path(world: World, suffix: str = "") -> str:
    from assessment.models import Quiz

    lecture = LectureFactory(module=world.module, order=3, kind="quiz", body="")
    Quiz.objects.create(lecture=lecture, attempts_allowed=1)
    return f"/teach/{world.course.slug}/gradebook/quizzes/{lecture.pk}/{suffix}"


def expect(spec: str) -> dict:
    values = spec.split()
    assert len(values) == len(ROLES), spec
    return dict(zip(ROLES, values, strict=True))


# Expectations that recur, in ROLES order (anything else is spelled out in full).
def everyone(outcome: str) -> str:
    """The same for every role, logged in or not."""
    return " ".join([outcome] * len(ROLES))


def signed_in(outcome: str) -> str:
    """The login page for the anonymous visitor, `outcome` for every user."""
    return " ".join(["login"] + [outcome] * (len(ROLES) - 1))


def managers(outcome: str) -> str:
    """`outcome` for the course's instructor and for admins; 404 for the other users."""
    return f"login 404 404 404 {outcome} 404 {outcome}"


def owner(outcome: str) -> str:
    """`outcome` for the enrolled student, who owns the object; 404 for the other users."""
    return f"login 404 {outcome} 404 404 404 404"


@dataclass(frozen=True)
class Entry:
    """One URL: its path in a world, the outcomes of GET and (when checked) POST in ROLES
    order, the data POSTed, and settings the URL needs."""

    path: Callable[[World], str]
    get: str
    post: str | None = None
    data: dict | None = None
    settings: dict = field(default_factory=dict)

    def methods(self) -> dict[str, str]:
        return {"GET": self.get} | ({"POST": self.post} if self.post else {})


DEV_CHECKOUT = {"DEBUG": True, "DEV_CHECKOUT_ENABLED": True}

MATRIX = {
    # Public pages.
    "courses:home": Entry(lambda w: "/", get=everyone("200")),
    "courses:catalog": Entry(lambda w: "/courses/", get=everyone("200")),
    "courses:detail": Entry(lambda w: w.course.get_absolute_url(), get=everyone("200")),
    "healthz": Entry(lambda w: "/healthz", get=everyone("200")),
    # Buying: login first; the enrolled student already owns it and goes back to the course.
    "course-enroll": Entry(
        lambda w: f"{w.course.get_absolute_url()}enroll/",
        get=everyone("405"),
        post=signed_in("3xx"),
        settings=DEV_CHECKOUT,
    ),
    "payments:orders": Entry(lambda w: "/payments/orders/", get=signed_in("200")),
    "payments:success": Entry(
        lambda w: "/payments/success/",
        # Without a session id there is nothing to confirm: a clear 400, not a guess.
        get=signed_in("400"),
    ),
    "payments:cancel": Entry(lambda w: "/payments/cancel/", get=signed_in("200")),
    # Only the order's owner may see the development checkout of that order.
    "payments:dev-checkout": Entry(
        lambda w: f"/payments/dev-checkout/{w.order.pk}/",
        get=owner("200"),
        post=owner("3xx"),
        settings=DEV_CHECKOUT,
    ),
    # Only the order's owner may cancel it.
    "payments:order-cancel": Entry(
        lambda w: f"/payments/orders/{w.order.pk}/cancel/", get=everyone("405"), post=owner("3xx")
    ),
    # Stripe only: no signature, no entry, whoever is logged in.
    "payments:stripe-webhook": Entry(
        lambda w: "/payments/stripe/webhook/", get=everyone("405"), post=everyone("400")
    ),
    # Learning.
    "progress:my_learning": Entry(lambda w: "/learn/", get=signed_in("200")),
    "progress:resume": Entry(lambda w: f"/learn/{w.course.slug}/", get=signed_in("3xx")),
    "progress:player": Entry(
        lambda w: f"/learn/{w.course.slug}/lectures/{w.locked.pk}/",
        get="3xx 3xx 3xx 3xx 200 3xx 200",
    ),
    "progress:complete": Entry(
        lambda w: f"/learn/{w.course.slug}/lectures/{w.first.pk}/complete/",
        # Instructors and admins may open every lecture, but have no progress to record.
        get=signed_in("405"),
        post="login 403 3xx 403 3xx 403 3xx",
    ),
    "progress:media": Entry(
        lambda w: f"/learn/{w.course.slug}/lectures/{w.first.pk}/media/attachment/",
        # Paid media: the file for those with access, and no hint of it for anyone else.
        get="404 404 200 404 200 404 200",
    ),
    "progress:review": Entry(
        lambda w: f"/learn/{w.course.slug}/review/",
        get=signed_in("405"),
        post="login 403 3xx 403 403 403 403",
        data={"rating": "4", "text": "Fair."},
    ),
    "progress:review_delete": Entry(
        lambda w: f"/learn/{w.course.slug}/review/delete/",
        # Only the author's own review can go; nobody else has one here to find.
        get=signed_in("405"),
        post=owner("3xx"),
    ),
    # Quizzes: enrolled students take them; course managers too (their attempts do not
    # count); an attempt is its student's only.
    "assessment:quiz": Entry(lambda w: quiz_path(w), get="login 403 200 403 200 403 200"),
    "assessment:start": Entry(
        lambda w: quiz_path(w, "start/"), get=signed_in("405"), post="login 403 3xx 403 3xx 403 3xx"
    ),
    # Only a counted pass (none here) completes the lecture; managers' tries never count.
    "assessment:complete": Entry(
        lambda w: quiz_path(w, "complete/"),
        get=signed_in("405"),
        post="login 403 403 403 403 403 403",
    ),
    "assessment:attempt": Entry(
        lambda w: quiz_path(w, "attempts/{attempt}/", attempt="open"),
        get="login 403 200 403 404 403 404",
        post="login 403 3xx 403 404 403 404",
    ),
    "assessment:result": Entry(
        lambda w: quiz_path(w, "attempts/{attempt}/result/", attempt="submitted"),
        get="login 403 200 403 404 403 404",
    ),
    # Teaching: the assigned instructor and admins; anyone else learns nothing (404).
    "teach:course_list": Entry(lambda w: "/teach/", get="login 403 403 403 200 200 200"),
    "teach:workspace": Entry(lambda w: f"/teach/{w.course.slug}/", get=managers("200")),
    # Every field of the course details form is optional: an empty form saves (and redirects).
    "teach:course_edit": Entry(
        lambda w: f"/teach/{w.course.slug}/details/", get=managers("200"), post=managers("3xx")
    ),
    # An empty order is bad input: 400 for those allowed.
    "teach:module_reorder": Entry(
        lambda w: f"/teach/{w.course.slug}/modules/reorder/",
        get=signed_in("405"),
        post=managers("400"),
    ),
    "teach:lecture_reorder": Entry(
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/lectures/reorder/",
        get=signed_in("405"),
        post=managers("400"),
    ),
    "teach:module_create": Entry(
        lambda w: f"/teach/{w.course.slug}/modules/new/", get=managers("200"), post=managers("200")
    ),
    "teach:module_edit": Entry(
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/edit/",
        get=managers("200"),
        post=managers("200"),
    ),
    "teach:module_delete": Entry(
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/delete/",
        get=managers("200"),
        post=managers("3xx"),
    ),
    "teach:module_move": Entry(
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/move/",
        get=signed_in("405"),
        post=managers("400"),
    ),
    "teach:module_publish": Entry(
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/publish/",
        get=signed_in("405"),
        post=managers("400"),
    ),
    # An empty lecture form is bad input: 400 with the form's errors, for those allowed.
    "teach:lecture_create": Entry(
        lambda w: f"/teach/{w.course.slug}/modules/{w.module.pk}/lectures/new/",
        get=managers("200"),
        post=managers("400"),
    ),
    "teach:lecture_edit": Entry(
        lambda w: f"/teach/{w.course.slug}/lectures/{w.first.pk}/edit/",
        get=managers("200"),
        post=managers("400"),
    ),
    "teach:lecture_delete": Entry(
        lambda w: f"/teach/{w.course.slug}/lectures/{w.first.pk}/delete/",
        get=managers("200"),
        post=managers("3xx"),
    ),
    "teach:lecture_move": Entry(
        lambda w: f"/teach/{w.course.slug}/lectures/{w.first.pk}/move/",
        get=signed_in("405"),
        post=managers("400"),
    ),
    "teach:lecture_publish": Entry(
        lambda w: f"/teach/{w.course.slug}/lectures/{w.first.pk}/publish/",
        get=signed_in("405"),
        post=managers("400"),
    ),
    "dashboards:course_analytics": Entry(
        lambda w: f"/teach/{w.course.slug}/analytics/", get=managers("200")
    ),
    # The user's own profile only; there is no URL for anyone else's.
    "accounts:profile": Entry(
        lambda w: "/accounts/profile/", get=signed_in("200"), post=signed_in("200")
    ),
    # Notifications: everyone their own; another user's notification does not exist (404).
    "notifications:list": Entry(lambda w: "/notifications/", get=signed_in("200")),
    "notifications:read": Entry(
        lambda w: f"/notifications/{w.notification.pk}/read/",
        get=everyone("405"),
        post=owner("3xx"),
    ),
    "notifications:latest": Entry(
        lambda w: "/notifications/latest/", get=signed_in("200"), post=everyone("405")
    ),
    "notifications:read_all": Entry(
        lambda w: "/notifications/read-all/", get=everyone("405"), post=signed_in("3xx")
    ),
    # Email settings: everyone their own (an empty POST misses every choice).
    "notifications:preferences": Entry(
        lambda w: "/notifications/preferences/", get=signed_in("200"), post=signed_in("400")
    ),
    # Unsubscribe: the signed token in the link decides, not the session (it works logged out).
    "notifications:unsubscribe": Entry(
        lambda w: reverse(
            "notifications:unsubscribe",
            args=[unsubscribe_token(user_id=w.users["enrolled"].pk, kind="new_lecture")],
        ),
        get=everyone("200"),
        post=everyone("200"),
    ),
    # Certificates: public by their unguessable address (the holder shares it); the list is
    # each student's own; the course-complete page only for the student who finished.
    "certificates:mine": Entry(
        lambda w: "/certificates/", get=signed_in("200"), post=signed_in("405")
    ),
    "certificates:issuer": Entry(
        lambda w: "/certificates/issuer.json", get=everyone("200"), post=everyone("405")
    ),
    "certificates:verify": Entry(
        lambda w: certificate_path(w), get=everyone("200"), post=everyone("405")
    ),
    "certificates:sheet": Entry(lambda w: certificate_path(w, "sheet/"), get=everyone("200")),
    "certificates:pdf": Entry(
        lambda w: certificate_path(w, "certificate.pdf"), get=everyone("200")
    ),
    "certificates:credential": Entry(
        lambda w: certificate_path(w, "credential.json"), get=everyone("200"), post=everyone("405")
    ),
    "certificates:course_complete": Entry(
        course_complete_path, get="login 3xx 200 3xx 3xx 3xx 3xx", post=signed_in("405")
    ),
    # Announcements: read by the course's students and managers; others are sent to the
    # course page (the list) or refused (its fragment); posted by managers only.
    "progress:announcements": Entry(
        lambda w: f"/learn/{w.course.slug}/announcements/",
        get="login 3xx 200 3xx 200 3xx 200",
        post=signed_in("405"),
    ),
    "progress:announcements_latest": Entry(
        lambda w: f"/learn/{w.course.slug}/announcements/latest/",
        get="login 403 200 403 200 403 200",
    ),
    "teach:announcements": Entry(
        lambda w: f"/teach/{w.course.slug}/announcements/",
        get=managers("200"),
        post=managers("400"),
    ),
    "teach:announcement_edit": Entry(
        lambda w: announcement_path(w, "edit/"), get=managers("200"), post=managers("400")
    ),
    "teach:announcement_delete": Entry(
        lambda w: announcement_path(w, "delete/"), get=managers("200"), post=managers("3xx")
    ),
    # The quiz editor: the workspace's rule (empty forms are bad input: 400).
    "teach:quiz_edit": Entry(
        lambda w: quiz_editor_path(w), get=managers("200"), post=managers("400")
    ),
    "teach:quiz_import": Entry(
        lambda w: quiz_editor_path(w, "import/"), get=signed_in("405"), post=managers("400")
    ),
    "teach:quiz_export": Entry(
        lambda w: quiz_editor_path(w, "export/"), get=managers("200"), post=signed_in("405")
    ),
    "teach:question_create": Entry(
        lambda w: quiz_editor_path(w, "questions/new/?kind=single"),
        get=managers("200"),
        post=managers("400"),
    ),
    "teach:question_reorder": Entry(
        lambda w: quiz_editor_path(w, "questions/reorder/"),
        get=signed_in("405"),
        post=managers("400"),
    ),
    "teach:question_edit": Entry(
        lambda w: quiz_editor_path(w, "questions/{question}/edit/"),
        get=managers("200"),
        post=managers("400"),
    ),
    "teach:question_delete": Entry(
        lambda w: quiz_editor_path(w, "questions/{question}/delete/"),
        get=managers("200"),
        post=managers("3xx"),
    ),
    "teach:question_move": Entry(
        lambda w: quiz_editor_path(w, "questions/{question}/move/"),
        get=signed_in("405"),
        post=managers("400"),
    ),
    # The gradebook: the course's managers only (an empty grant is refused with a message).
    "dashboards:gradebook": Entry(
        lambda w: f"/teach/{w.course.slug}/gradebook/", get=managers("200"), post=signed_in("405")
    ),
    "dashboards:gradebook_csv": Entry(
        lambda w: f"/teach/{w.course.slug}/gradebook.csv", get=managers("200")
    ),
    "dashboards:gradebook_quiz": Entry(lambda w: gradebook_quiz_path(w), get=managers("200")),
    "dashboards:gradebook_grant": Entry(
        lambda w: gradebook_quiz_path(w, "grant/"), get=signed_in("405"), post=managers("3xx")
    ),
}

# allauth's views: pages for visitors, and pages for a logged-in user.
ALLAUTH = {
    "account_login": ("/accounts/login/", "200 3xx 3xx 3xx 3xx 3xx 3xx"),
    "account_signup": ("/accounts/signup/", "200 3xx 3xx 3xx 3xx 3xx 3xx"),
    "account_logout": ("/accounts/logout/", "3xx 200 200 200 200 200 200"),
    "account_inactive": ("/accounts/inactive/", everyone("200")),
    "account_reset_password": ("/accounts/password/reset/", everyone("200")),
    "account_reset_password_done": (
        "/accounts/password/reset/done/",
        everyone("200"),
    ),
    "account_reset_password_from_key": (
        "/accounts/password/reset/key/1-set-password/",
        everyone("200"),
    ),
    "account_reset_password_from_key_done": (
        "/accounts/password/reset/key/done/",
        everyone("200"),
    ),
    "account_change_password": (
        "/accounts/password/change/",
        signed_in("200"),
    ),
    "account_set_password": ("/accounts/password/set/", signed_in("3xx")),
    "account_email": ("/accounts/email/", signed_in("200")),
    "account_email_verification_sent": (
        "/accounts/confirm-email/",
        everyone("200"),
    ),
    # A wrong key shows allauth's "invalid link" page.
    "account_confirm_email": ("/accounts/confirm-email/not-a-key/", everyone("200")),
    "account_reauthenticate": ("/accounts/reauthenticate/", signed_in("200")),
    "account_request_reauthentication_code": (
        "/accounts/reauthenticate/code/",
        signed_in("3xx"),
    ),
    "account_confirm_reauthentication_code": (
        "/accounts/reauthenticate/code/confirm/",
        signed_in("3xx"),
    ),
    "account_confirm_login_code": (
        "/accounts/login/code/confirm/",
        signed_in("3xx"),
    ),
    # Two-factor authentication (allauth.mfa): each user's own; changes ask for the password
    # again first (3xx to re-authenticate); no recovery codes yet is a 404.
    "mfa_index": ("/accounts/2fa/", signed_in("200")),
    "mfa_authenticate": ("/accounts/2fa/authenticate/", signed_in("3xx")),
    "mfa_reauthenticate": ("/accounts/2fa/reauthenticate/", signed_in("3xx")),
    "mfa_activate_totp": ("/accounts/2fa/totp/activate/", signed_in("3xx")),
    "mfa_deactivate_totp": ("/accounts/2fa/totp/deactivate/", signed_in("404")),
    "mfa_view_recovery_codes": (
        "/accounts/2fa/recovery-codes/",
        signed_in("404"),
    ),
    "mfa_generate_recovery_codes": (
        "/accounts/2fa/recovery-codes/generate/",
        signed_in("3xx"),
    ),
    "mfa_download_recovery_codes": (
        "/accounts/2fa/recovery-codes/download/",
        signed_in("404"),
    ),
    # Security keys (WebAuthn): each user's own list; changes ask for the password first, and
    # then another user's key is a 404 (tests/accounts/test_security_keys.py).
    "mfa_list_webauthn": ("/accounts/2fa/webauthn/", signed_in("200")),
    "mfa_add_webauthn": ("/accounts/2fa/webauthn/add/", signed_in("3xx")),
    "mfa_reauthenticate_webauthn": ("/accounts/2fa/webauthn/reauthenticate/", signed_in("3xx")),
    "mfa_remove_webauthn": ("/accounts/2fa/webauthn/keys/999999/remove/", signed_in("3xx")),
    "mfa_edit_webauthn": ("/accounts/2fa/webauthn/keys/999999/edit/", signed_in("3xx")),
    # Logging in with a passkey: the browser's script asks for options, then posts the
    # key's answer; a plain visit goes back to the login page (anyone logged in: onwards).
    "mfa_login_webauthn": ("/accounts/2fa/webauthn/login/", signed_in("3xx")),
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
    [(name, method) for name, entry in MATRIX.items() for method in entry.methods()],
)
def test_matrix(client, settings, name, method):
    entry = MATRIX[name]
    for setting, value in entry.settings.items():
        setattr(settings, setting, value)
    world = build_world()
    data = entry.data if method == "POST" else None
    seen = observe(client, world, method, entry.path(world), data)
    assert seen == expect(entry.methods()[method])


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

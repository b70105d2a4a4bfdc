"""Prepare one bench database: create it, migrate, seed it once per scale, log users in.

Run by `bench.run` as `python -m bench.seed --scale S --fixtures FILE --sockets N` with
DATABASE_URL pointing at the bench database and the same SECRET_KEY as the server (the
session auth hash depends on it). Writes a JSON file describing what to request.
"""

import argparse
import json
import os
import random
import sqlite3
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import django

# Bump when the seeded data changes shape, so existing bench databases are rebuilt.
SEED_VERSION = 2
MARKER_TABLE = "bench_seed_marker"
PASSWORD = "bench-password-not-a-secret"
LECTURES_PER_MODULE = 10
MODULES_PER_COURSE = 5
BATCH = 5000

CATEGORIES = {
    "Programming": ["Python", "Django", "JavaScript", "Rust", "Go", "TypeScript"],
    "Data Science": ["Statistics", "Pandas", "Machine Learning", "SQL", "Visualization"],
    "Web Design": ["CSS", "Accessibility", "Typography", "Figma", "UX Research"],
    "Business": ["Leadership", "Negotiation", "Startups", "Project Management"],
    "Finance": ["Accounting", "Investing", "Budgeting", "Excel"],
    "Marketing": ["SEO", "Copywriting", "Social Media", "Email Marketing"],
    "Photography": ["Portraits", "Lightroom", "Street Photography", "Lighting"],
    "Music": ["Guitar", "Piano", "Music Theory", "Mixing"],
    "Languages": ["Spanish", "French", "German", "Japanese"],
    "Health": ["Yoga", "Nutrition", "Running", "Sleep"],
    "Writing": ["Fiction", "Technical Writing", "Poetry", "Editing"],
    "Art": ["Drawing", "Watercolor", "Illustration", "Sculpture"],
    "Cooking": ["Baking", "Italian Cooking", "Knife Skills", "Vegan Cooking"],
    "Science": ["Physics", "Chemistry", "Astronomy", "Biology"],
    "Mathematics": ["Algebra", "Calculus", "Linear Algebra", "Probability"],
    "IT and Security": ["Linux", "Networking", "Cryptography", "Cloud"],
    "Personal Growth": ["Productivity", "Public Speaking", "Mindfulness", "Memory"],
    "Teaching": ["Course Design", "Online Teaching", "Assessment", "Tutoring"],
    "Engineering": ["Electronics", "Arduino", "CAD", "Robotics"],
    "Lifestyle": ["Gardening", "Travel", "Home Repair", "Chess"],
}
ADJECTIVES = ["Practical", "Complete", "Modern", "Hands-on", "Essential", "Advanced", "Intro to"]
SUFFIXES = ["for Beginners", "in Practice", "Masterclass", "Bootcamp", "from Scratch", "Deep Dive"]
LEVELS = ["beginner", "intermediate", "advanced", "all"]
PRICES = [Decimal(p) for p in ("9.99", "19.99", "29.99", "49.99", "99.99")]
LOREM = (
    "Learning works best in small steps: read the idea, try it, then check what happened. "
    "This lecture walks through a worked example, points at the usual mistakes and ends with "
    "an exercise you can finish in a few minutes. "
)


def counts_for(scale: float) -> dict:
    """Row counts at a scale (1.0 = 2,000 courses, 100,000 lectures, 20,000 students...)."""
    n_students = max(20, round(20_000 * scale))
    n_courses = max(5, round(2_000 * scale))
    return {
        "instructors": max(2, round(400 * scale)),
        "students": n_students,
        "courses": n_courses,
        "enrollments": min(round(60_000 * scale), n_students * n_courses // 2),
        "completions": round(500_000 * scale),
        "notifications_per_student": 5,
    }


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edusphere.settings")
    django.setup()


def _ensure_database(url: str, *, recreate: bool) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        if recreate:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg
    from psycopg import sql

    from bench.config import maintenance_url

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        if recreate:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _read_marker(url: str) -> dict | None:
    """The marker written after a complete seed, read without Django (the DB may be stale)."""
    try:
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            if not Path(path).exists():
                return None
            with sqlite3.connect(path) as conn:
                row = conn.execute(f"SELECT value FROM {MARKER_TABLE}").fetchone()  # noqa: S608
        else:
            import psycopg

            with psycopg.connect(url) as conn:
                row = conn.execute(f"SELECT value FROM {MARKER_TABLE}").fetchone()  # noqa: S608
    except Exception:
        return None
    return json.loads(row[0]) if row else None


def _write_marker(marker: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (value TEXT NOT NULL)")
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (value) VALUES (%s)", [json.dumps(marker)])  # noqa: S608


def _weights(n: int) -> list[float]:
    """Popularity by rank quantile, so the same quantile gets the same share at any scale."""
    return [1.0 / (1.0 + 20.0 * i / n) ** 1.2 for i in range(n)]


def seed(scale: float) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from accounts.models import Role, User
    from courses.models import Category, Course, Lecture, Module
    from notifications.models import Notification
    from payments.models import Order
    from progress.models import Enrollment, LectureCompletion, Review

    rng = random.Random(8)  # noqa: S311 - deterministic, not security
    n = counts_for(scale)
    now = timezone.now()
    password = make_password(PASSWORD)  # hashed once: the expensive part of a user
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")

    with transaction.atomic():
        categories = Category.objects.bulk_create(
            Category(name=name, slug=slugify(name), description=f"Courses about {name.lower()}.")
            for name in CATEGORIES
        )
        User.objects.bulk_create(
            [
                User(
                    email="bench-admin@bench.example",
                    name="Bench Admin",
                    role=Role.ADMIN,
                    is_staff=True,
                    is_superuser=True,
                    password=password,
                ),
                User(
                    email="bench-instructor@bench.example",
                    name="Bench Instructor",
                    role=Role.INSTRUCTOR,
                    password=password,
                ),
                User(
                    email="bench-student@bench.example",
                    name="Bench Student",
                    role=Role.STUDENT,
                    password=password,
                ),
            ]
        )
        User.objects.bulk_create(
            (
                User(
                    email=f"instructor{i}@bench.example",
                    name=f"Instructor {i}",
                    role=Role.INSTRUCTOR,
                    password=password,
                )
                for i in range(n["instructors"])
            ),
            batch_size=BATCH,
        )
        User.objects.bulk_create(
            (
                User(
                    email=f"student{i}@bench.example",
                    name=f"Student {i}",
                    role=Role.STUDENT,
                    password=password,
                )
                for i in range(n["students"])
            ),
            batch_size=BATCH,
        )
        bench_instructor = User.objects.get(email="bench-instructor@bench.example")
        bench_student = User.objects.get(email="bench-student@bench.example")
        instructor_ids = list(
            User.objects.filter(email__startswith="instructor").values_list("id", flat=True)
        )
        student_ids = list(
            User.objects.filter(email__startswith="student")
            .order_by("id")
            .values_list("id", flat=True)
        )

        # Courses: the first ones (by rank) are the popular ones; the bench pages use rank 1%.
        n_courses = n["courses"]
        bench_rank = n_courses // 100
        always_published = max(10, n_courses // 20)
        topics = [
            (cat, topic)
            for cat, names in zip(categories, CATEGORIES.values(), strict=True)
            for topic in names
        ]
        courses = []
        for i in range(n_courses):
            category, topic = topics[rng.randrange(len(topics))]
            title = f"{rng.choice(ADJECTIVES)} {topic} {rng.choice(SUFFIXES)}"
            status = "published"
            if i >= always_published:
                status = rng.choices(["published", "draft", "archived"], [92, 5, 3])[0]
            price = Decimal("0.00") if rng.random() < 0.35 else rng.choice(PRICES)
            courses.append(
                Course(
                    title=title,
                    slug=f"{slugify(title)}-{i}",
                    subtitle=f"Learn {topic.lower()} step by step",
                    category=category,
                    description=(f"A course about {topic}. " + LOREM) * 3,
                    level=rng.choice(LEVELS),
                    price=price,
                    status=status,
                    is_featured=rng.random() < 0.01,
                    published_at=(now - timedelta(days=rng.uniform(0, 1500)))
                    if status != "draft"
                    else None,
                )
            )
        courses = Course.objects.bulk_create(courses, batch_size=BATCH)

        through = Course.instructors.through
        links = []
        for course in courses:
            for instructor_id in rng.sample(
                instructor_ids, min(len(instructor_ids), rng.choice([1, 1, 2]))
            ):
                links.append(through(course_id=course.id, user_id=instructor_id))
        bench_taught = [courses[bench_rank]] + rng.sample(courses, min(9, n_courses - 1))
        links += [
            through(course_id=c.id, user_id=bench_instructor.id)
            for c in {c.id: c for c in bench_taught}.values()
        ]
        through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)

        modules = Module.objects.bulk_create(
            (
                Module(
                    course=course,
                    title=f"Part {m + 1}: {course.title.split()[1]} basics",
                    description="What this part covers.",
                    order=m + 1,
                )
                for course in courses
                for m in range(MODULES_PER_COURSE)
            ),
            batch_size=BATCH,
        )
        lecture_objs = []
        for module_index, module in enumerate(modules):
            first_of_course = module_index % MODULES_PER_COURSE == 0
            for k in range(LECTURES_PER_MODULE):
                video = rng.random() < 0.6
                lecture_objs.append(
                    Lecture(
                        module=module,
                        title=f"Lesson {module.order}.{k + 1}",
                        order=k + 1,
                        kind="video" if video else "text",
                        body=f"## Lesson {module.order}.{k + 1}\n\n" + LOREM * rng.randint(2, 5),
                        video_provider="youtube" if video else "",
                        video_id=f"bench{module.id % 1000000:06d}" if video else "",
                        duration_seconds=rng.randint(120, 1200),
                        is_free_preview=first_of_course and k == 0,
                    )
                )
        lectures = Lecture.objects.bulk_create(lecture_objs, batch_size=BATCH)
        del lecture_objs
        per_course = LECTURES_PER_MODULE * MODULES_PER_COURSE
        lecture_ids = [
            [lec.id for lec in lectures[c * per_course : (c + 1) * per_course]]
            for c in range(n_courses)
        ]
        durations = [
            sum(lec.duration_seconds for lec in lectures[c * per_course : (c + 1) * per_course])
            for c in range(n_courses)
        ]
        del lectures

        # Enrollments: students pick courses by popularity; only published courses sell.
        published = [i for i, c in enumerate(courses) if c.status == "published"]
        weights = _weights(n_courses)
        pub_weights = [weights[i] for i in published]
        pairs: dict[tuple[int, int], None] = {}
        mean_done = n["completions"] / max(1, n["enrollments"])
        # The bench student: ten courses, the bench course among them, 20 lectures done there.
        bench_courses = [bench_rank] + rng.sample(
            [i for i in published if i != bench_rank], min(9, len(published) - 1)
        )
        planned = [
            (bench_student.id, i, 20 if i == bench_rank else rng.randint(0, per_course))
            for i in bench_courses
        ]
        for s, c, _done in planned:
            pairs[(s, c)] = None
        target = n["enrollments"] + len(bench_courses)
        for _round in range(50):  # small scales may not have enough distinct pairs
            if len(planned) >= target:
                break
            batch = rng.choices(published, weights=pub_weights, k=n["enrollments"])
            for c in batch:
                s = student_ids[rng.randrange(len(student_ids))]
                if (s, c) in pairs:
                    continue
                pairs[(s, c)] = None
                done = min(per_course, int(rng.expovariate(1 / mean_done))) if mean_done else 0
                planned.append((s, c, done))
                if len(planned) >= target:
                    break
        enrollment_objs = []
        for s, c, done in planned:
            course = courses[c]
            revoked = s != bench_student.id and rng.random() < 0.02
            source = "free" if course.price == 0 else ("admin" if rng.random() < 0.1 else "paid")
            enrollment_objs.append(
                Enrollment(
                    student_id=s,
                    course=course,
                    status="revoked" if revoked else "active",
                    revoked_at=now if revoked else None,
                    source=source,
                    completed_at=now if done == per_course else None,
                    last_lecture_id=lecture_ids[c][min(done, per_course - 1)],
                    last_activity_at=now - timedelta(days=rng.uniform(0, 300)),
                )
            )
        enrollments = Enrollment.objects.bulk_create(enrollment_objs, batch_size=BATCH)
        del enrollment_objs

        chunk = []
        for enrollment, (_s, c, done) in zip(enrollments, planned, strict=True):
            chunk.extend(
                LectureCompletion(enrollment_id=enrollment.id, lecture_id=lid)
                for lid in lecture_ids[c][:done]
            )
            if len(chunk) >= 50_000:
                LectureCompletion.objects.bulk_create(chunk, batch_size=BATCH)
                chunk = []
        LectureCompletion.objects.bulk_create(chunk, batch_size=BATCH)
        del chunk

        reviews = []
        ratings: dict[int, list[int]] = {}
        active_count: dict[int, int] = {}
        for enrollment, (s, c, done) in zip(enrollments, planned, strict=True):
            if enrollment.status == "active":
                active_count[c] = active_count.get(c, 0) + 1
            if done >= 3 and s != bench_student.id and rng.random() < 0.15:
                rating = rng.choices([1, 2, 3, 4, 5], [3, 5, 12, 35, 45])[0]
                visible = rng.random() < 0.97
                reviews.append(
                    Review(
                        course_id=courses[c].id,
                        student_id=s,
                        rating=rating,
                        is_visible=visible,
                        text=f"Rated {rating}: " + LOREM[: rng.randint(40, 300)],
                    )
                )
                if visible:
                    ratings.setdefault(c, []).append(rating)
        Review.objects.bulk_create(reviews, batch_size=BATCH)
        for i, course in enumerate(courses):
            scores = ratings.get(i, [])
            course.rating_count = len(scores)
            course.rating_average = (
                Decimal(sum(scores) / len(scores)).quantize(Decimal("0.01"))
                if scores
                else Decimal("0.00")
            )
            course.enrollment_count = active_count.get(i, 0)
            course.duration_minutes = durations[i] // 60
        Course.objects.bulk_update(
            courses,
            ["rating_count", "rating_average", "enrollment_count", "duration_minutes"],
            batch_size=BATCH,
        )

        orders = []
        for enrollment, (s, c, _done) in zip(enrollments, planned, strict=True):
            course = courses[c]
            if enrollment.source == "paid":
                orders.append(
                    Order(
                        student_id=s,
                        course=course,
                        enrollment_id=enrollment.id,
                        amount=course.price,
                        currency=course.currency,
                        status="refunded" if enrollment.status == "revoked" else "paid",
                        stripe_session_id=f"cs_bench_{enrollment.id}",
                        paid_amount=course.price,
                        paid_currency=course.currency,
                        paid_at=now,
                    )
                )
                if rng.random() < 0.05:
                    orders.append(
                        Order(
                            student_id=s,
                            course=course,
                            amount=course.price,
                            currency=course.currency,
                            status="failed",
                            failure_reason="card_declined",
                        )
                    )
        Order.objects.bulk_create(orders, batch_size=BATCH)

        kinds = ["enrolled", "new_lecture", "new_review", "course_completed"]

        def notifications():
            for s in student_ids:
                for j in range(n["notifications_per_student"]):
                    yield Notification(
                        recipient_id=s,
                        kind=rng.choice(kinds),
                        title=f"Update {j}",
                        body=LOREM[:120],
                        link="/learn/",
                        read_at=now if rng.random() < 0.7 else None,
                    )
            for j in range(60):
                yield Notification(
                    recipient_id=bench_student.id,
                    kind=rng.choice(kinds),
                    title=f"Bench update {j}",
                    body=LOREM[:120],
                    link="/learn/",
                    read_at=now if j >= 15 else None,
                )

        Notification.objects.bulk_create(notifications(), batch_size=BATCH)

    marker = {
        "version": SEED_VERSION,
        "scale": scale,
        "bench_rank": bench_rank,
        "rows": {
            "categories": Category.objects.count(),
            "courses": Course.objects.count(),
            "lectures": Lecture.objects.count(),
            "students": User.objects.filter(role=Role.STUDENT).count(),
            "instructors": User.objects.filter(role=Role.INSTRUCTOR).count(),
            "enrollments": Enrollment.objects.count(),
            "completions": LectureCompletion.objects.count(),
            "reviews": Review.objects.count(),
            "orders": Order.objects.count(),
            "notifications": Notification.objects.count(),
        },
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _write_marker(marker)
    return marker


def log_in(user) -> str:
    """A session for `user` exactly as django.contrib.auth.login would store it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def fixtures(marker: dict, sockets: int) -> dict:
    """What the load driver requests: paths, and session cookies of the bench users."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import is_mfa_enabled
    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.db import connection, transaction

    from accounts.models import User
    from courses.models import Course, Lecture
    from progress.models import Enrollment

    # Seeded in rank order, and the bench rank is always published.
    course = Course.objects.order_by("id")[marker["bench_rank"]]
    student = User.objects.get(email="bench-student@bench.example")
    instructor = User.objects.get(email="bench-instructor@bench.example")
    admin = User.objects.get(email="bench-admin@bench.example")
    enrollment = Enrollment.objects.get(student=student, course=course)
    done = enrollment.completions.count()
    lectures = list(
        Lecture.objects.filter(module__course=course)
        .order_by("module__order", "order")
        .values_list("id", flat=True)
    )
    player_lecture = lectures[min(done, len(lectures) - 1)]
    # Production requires two-factor for admins (MFA_REQUIRED_FOR_ADMINS): the bench admin
    # has an authenticator, so the admin pages are measured, not the set-up redirect.
    if not is_mfa_enabled(admin):
        TOTP.activate(admin, generate_totp_secret())
    with transaction.atomic():
        if settings.SESSION_ENGINE.startswith("django.contrib.sessions.backends."):
            # Only bench sessions live here; keep the table small (cached copies just expire).
            Session.objects.all().delete()
        student_cookie = log_in(student)
        instructor_cookie = log_in(instructor)
        admin_cookie = log_in(admin)
        ws_users = list(User.objects.filter(email__startswith="student").order_by("id")[:sockets])
        ws_cookies = [log_in(user) for user in ws_users]
    quiz_path = _quiz_in_progress(student, instructor)
    verify_path = _certificate_page(student, instructor)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        db = f"SQLite {sqlite3.sqlite_version}"
    return {
        "database": db,
        "rows": marker["rows"],
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "student_cookie": student_cookie,
        "instructor_cookie": instructor_cookie,
        "admin_cookie": admin_cookie,
        "ws_cookies": ws_cookies,
        "ws_user_ids": [u.id for u in ws_users],
        # The same search and filter at every scale, so their cost can be compared.
        "catalog_query": "python",
        "category": "programming",
        "level": "beginner",
        "course_slug": course.slug,
        "player_path": f"/learn/{course.slug}/lectures/{player_lecture}/",
        "quiz_path": quiz_path,
        "verify_path": verify_path,
    }


def _small_course(slug: str, instructor):
    """A published course of one module for one bench page; made once, found after."""
    from django.utils import timezone

    from courses.models import Course, Module

    course, created = Course.objects.get_or_create(
        slug=slug,
        defaults={
            "title": slug.replace("-", " ").capitalize(),
            "status": Course.Status.PUBLISHED,
            "published_at": timezone.now(),
            "category": Course.objects.order_by("id").first().category,
        },
    )
    if created:
        course.instructors.add(instructor)
        Module.objects.create(course=course, order=0, title="Module 1")
    return course, course.modules.get()


def _quiz_in_progress(student, instructor) -> str:
    """The form of an open attempt at a ten-question quiz (no time limit: it never closes)."""
    from assessment.models import Attempt, Quiz
    from assessment.services import attempt_start, quiz_gift_import
    from courses.models import Lecture
    from progress.services import enrollment_create

    course, module = _small_course("bench-quiz", instructor)
    lecture, created = Lecture.objects.get_or_create(
        module=module, order=0, defaults={"title": "Bench quiz", "kind": Lecture.Kind.QUIZ}
    )
    if created:
        quiz = Quiz.objects.create(lecture=lecture, shuffle_questions=True, shuffle_choices=True)
        gift = "\n\n".join(
            f"::Q{i}:: Question {i}: which is right? {{=right ~wrong one ~wrong two ~wrong three}}"
            for i in range(10)
        )
        quiz_gift_import(actor=instructor, quiz=quiz, source=gift)
    enrollment_create(student=student, course=course)
    attempt = Attempt.objects.filter(
        quiz__lecture=lecture, student=student, submitted_at__isnull=True
    ).first() or attempt_start(student=student, quiz=lecture.quiz)
    return f"/learn/{course.slug}/lectures/{lecture.pk}/quiz/attempts/{attempt.pk}/"


def _certificate_page(student, instructor) -> str:
    """The public verification page of a certificate the bench student earned."""
    from certificates.models import Certificate
    from courses.models import Lecture
    from progress.services import enrollment_create, lecture_complete

    course, module = _small_course("bench-certificate", instructor)
    lecture, _created = Lecture.objects.get_or_create(
        module=module, order=0, defaults={"title": "The only lecture", "duration_seconds": 600}
    )
    enrollment_create(student=student, course=course)
    lecture_complete(user=student, course=course, lecture=lecture)
    certificate = Certificate.objects.get(student=student, course=course)
    return f"/certificates/{certificate.uuid}/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--sockets", type=int, default=0)
    args = parser.parse_args()

    url = os.environ["DATABASE_URL"]
    marker = _read_marker(url)
    fresh = not (
        marker and marker.get("version") == SEED_VERSION and marker.get("scale") == args.scale
    )
    started = time.monotonic()
    _ensure_database(url, recreate=fresh)
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if fresh:
        print(f"bench: seeding scale {args.scale:g} into {url.rsplit('/', 1)[1]} ...", flush=True)
        marker = seed(args.scale)
        print(f"bench: seeded in {time.monotonic() - started:.0f} s: {marker['rows']}", flush=True)
    data = fixtures(marker, args.sockets)
    data["seeded_now"] = fresh
    args.fixtures.write_text(json.dumps(data))


if __name__ == "__main__":
    main()

"""Demo data for development: a small catalog, its teachers and learners, and demo logins.

Creates only what is missing and never changes what is there, so running it again (every
`make run` does) keeps whatever an admin changed since. Accounts and categories are found by
email and slug, courses by slug. A course is seeded whole, in one go: its modules, lectures,
instructors, reviews and the demo student's progress are made with it, and once it exists
none of them is touched again, so a lecture deleted from a demo course stays deleted. A demo
account or course that is missing (deleted, or its email or slug changed) is made again.
It refuses to run with DEBUG=False because it creates accounts whose passwords are printed.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Avg, Count, Sum
from django.utils import timezone

from accounts.models import Role, User, staff_flags_for
from courses.models import Category, Course, Lecture, Module
from courses.video import VideoProvider
from demo.quizzes import seed_quiz
from demo.thumbnails import course_thumbnail_add
from progress.models import Enrollment, LectureCompletion, Review
from progress.services import enrollment_create, lecture_complete

DEMO_ACCOUNTS = [
    # (email, password, name, role); printed after seeding, development only.
    ("student@example.com", "edusphere-student", "Sam Student", Role.STUDENT),
    ("instructor@example.com", "edusphere-instructor", "Irene Instructor", Role.INSTRUCTOR),
    ("admin@example.com", "edusphere-admin", "Alex Admin", Role.ADMIN),
]
# Colleagues and reviewers have no usable password: nobody logs in as them.
OTHER_INSTRUCTORS = [
    ("maria.garcia@example.com", "María García"),
    ("kenji.tanaka@example.com", "Kenji Tanaka"),
]
INSTRUCTOR_BIOS = {
    "instructor@example.com": "Software engineer for twelve years, teaching for eight. Irene "
    "turns first programs into habits that last: small steps, real projects, kind feedback.",
    "maria.garcia@example.com": "Data scientist and former statistics lecturer. María helps "
    "people ask better questions of their data and explain the answers plainly.",
    "kenji.tanaka@example.com": "Front-end developer and designer who has shipped web apps for "
    "start-ups and public services. Kenji cares about fast, accessible interfaces.",
}
# What a learner needs before starting, by the course's level.
REQUIREMENTS = {
    Course.Level.BEGINNER: "A computer with an up-to-date web browser\nNo previous experience",
    Course.Level.INTERMEDIATE: "A computer you can install software on\n"
    "Comfortable with the basics of the subject",
    Course.Level.ADVANCED: "A computer you can install software on\n"
    "Working experience with the subject\nTime for a project of your own",
    Course.Level.ALL: "A computer with an up-to-date web browser",
}
REVIEWERS = [
    ("reviewer.amara@example.com", "Amara Okafor"),
    ("reviewer.lucas@example.com", "Lucas Moreau"),
    ("reviewer.priya@example.com", "Priya Raman"),
    ("reviewer.tom@example.com", "Tom Becker"),
]
REVIEW_TEXTS = {
    5: "Clear, well paced and full of practical examples. Exactly what I needed.",
    4: "Very good overall; a couple of lectures could go a little deeper.",
    3: "Solid material, but I wanted more exercises.",
}

CATEGORIES = [
    ("programming", "Programming", "Learn to write, test and ship software."),
    ("web-development", "Web Development", "Build websites and web applications."),
    ("data-science", "Data Science", "Analyse data and build models that help decisions."),
    ("design", "Design", "Design interfaces people enjoy and can use."),
    ("business", "Business", "Run products, teams and your own finances."),
    ("languages", "Languages", "Speak with confidence when you travel and work."),
]


@dataclass
class CourseSpec:
    slug: str
    title: str
    subtitle: str
    category: str
    level: str
    price: str
    description: str
    modules: list[tuple[str, list[str]]]
    featured: bool = False
    taught_by_demo_instructor: bool = False
    colleague: str = ""
    video: tuple[str, str] = ("", "")
    status: str = Course.Status.PUBLISHED
    reviews: list[int] = field(default_factory=list)


YT, VIMEO = VideoProvider.YOUTUBE, VideoProvider.VIMEO
L = Course.Level

COURSES = [
    CourseSpec(
        "python-for-absolute-beginners",
        "Python for Absolute Beginners",
        "Write your first programs and understand what they do.",
        "programming",
        L.BEGINNER,
        "0",
        "Start programming from zero with **Python**, the friendliest language for "
        "beginners.\n\nYou will:\n\n- install Python and run your first script,\n"
        "- work with variables, lists and dictionaries,\n- write functions and small "
        "programs that solve real problems.\n\nNo previous experience needed.",
        [
            ("Getting started", ["Why Python?", "Installing Python", "Your first script"]),
            ("Core building blocks", ["Variables and types", "Lists and loops", "Dictionaries"]),
            ("Functions", ["Defining functions", "Reading error messages", "A small project"]),
        ],
        featured=True,
        taught_by_demo_instructor=True,
        video=(YT, "rfscVS0vtbw"),
        reviews=[5, 5, 4],
    ),
    CourseSpec(
        "modern-javascript-essentials",
        "Modern JavaScript Essentials",
        "The language of the web, from the basics to async code.",
        "web-development",
        L.BEGINNER,
        "29.00",
        "A practical tour of **modern JavaScript** (ES2015 and later).\n\n"
        "1. Values, functions and objects\n2. Arrays and their methods\n"
        "3. Promises and `async`/`await`\n\nEvery module ends with a short exercise.",
        [
            ("The language", ["Values and variables", "Functions", "Objects and arrays"]),
            ("Working with the browser", ["The DOM", "Events", "Fetching data"]),
            ("Asynchronous code", ["Promises", "async and await"]),
        ],
        featured=True,
        colleague="kenji.tanaka@example.com",
        video=(YT, "PkZNo7MFNFg"),
        reviews=[4, 5],
    ),
    CourseSpec(
        "django-web-applications",
        "Building Web Applications with Django",
        "Models, views, templates and forms: ship a real site.",
        "web-development",
        L.INTERMEDIATE,
        "49.00",
        "Build a complete web application with **Django**, step by step.\n\n"
        "You will design models, write views and templates, handle forms safely and "
        "deploy the result. Basic Python is assumed.",
        [
            ("Foundations", ["Projects and apps", "URLs and views", "Templates"]),
            ("Data", ["Models and migrations", "The ORM", "The admin"]),
            ("Users and forms", ["Forms and validation", "Authentication", "Permissions"]),
            ("Shipping it", ["Testing your app", "Deploying"]),
        ],
        featured=True,
        taught_by_demo_instructor=True,
        video=(YT, "F5mRW0jo-U4"),
        reviews=[5, 4, 5, 4],
    ),
    CourseSpec(
        "git-and-github-in-practice",
        "Git and GitHub in Practice",
        "Version control you will actually use every day.",
        "programming",
        L.BEGINNER,
        "0",
        "Understand **Git** by using it: commits, branches, merges and pull requests, "
        "with the commands you need and the mental model behind them.",
        [
            ("Local work", ["What version control is", "Commits", "Branches"]),
            ("Collaboration", ["Remotes and GitHub", "Pull requests", "Resolving conflicts"]),
        ],
        taught_by_demo_instructor=True,
        video=(YT, "RGOj5yH7evk"),
        reviews=[5, 4],
    ),
    CourseSpec(
        "sql-for-data-analysis",
        "SQL for Data Analysis",
        "Ask questions of your data with SELECT, JOIN and GROUP BY.",
        "data-science",
        L.BEGINNER,
        "19.00",
        "Learn the **SQL** that analysts use daily: filtering, joining, grouping and "
        "window functions, on a realistic sales database.",
        [
            ("Querying", ["SELECT and WHERE", "Sorting and limiting", "NULL and its traps"]),
            ("Combining data", ["JOINs", "GROUP BY", "Subqueries"]),
            ("Going further", ["Window functions", "A reporting project"]),
        ],
        colleague="maria.garcia@example.com",
        video=(YT, "HXV3zeQKqGY"),
        reviews=[4, 4, 3],
    ),
    CourseSpec(
        "practical-machine-learning",
        "Practical Machine Learning",
        "From a clean dataset to a model you can trust.",
        "data-science",
        L.ADVANCED,
        "79.00",
        "A hands-on course on **supervised learning**: feature engineering, model "
        "selection, cross-validation and honest evaluation. Comfortable Python and "
        "basic statistics are expected.",
        [
            ("Preparing data", ["Cleaning data", "Feature engineering"]),
            ("Models", ["Linear models", "Decision trees and forests", "Gradient boosting"]),
            ("Evaluation", ["Cross-validation", "Metrics that matter", "Avoiding leakage"]),
        ],
        featured=True,
        colleague="maria.garcia@example.com",
        video=(VIMEO, "76979871"),
        reviews=[5, 4],
    ),
    CourseSpec(
        "statistics-for-data-science",
        "Statistics for Data Science",
        "The statistics behind every chart and experiment.",
        "data-science",
        L.INTERMEDIATE,
        "0",
        "Averages, spread, distributions, confidence intervals and **A/B tests**, "
        "explained with small examples instead of formulas alone.",
        [
            ("Describing data", ["Averages and spread", "Distributions"]),
            ("Inference", ["Sampling", "Confidence intervals", "Hypothesis tests"]),
        ],
        colleague="maria.garcia@example.com",
        reviews=[4],
    ),
    CourseSpec(
        "ui-design-fundamentals",
        "UI Design Fundamentals",
        "Layout, typography and colour for clear interfaces.",
        "design",
        L.BEGINNER,
        "24.00",
        "Design interfaces that are **clear and pleasant**: grids, hierarchy, type "
        "scales, colour and spacing, with critiques of real screens.",
        [
            ("Visual basics", ["Hierarchy", "Typography", "Colour"]),
            ("Layout", ["Grids and spacing", "Responsive layouts", "Design critique"]),
        ],
        featured=True,
        colleague="kenji.tanaka@example.com",
        video=(VIMEO, "22439234"),
        reviews=[5, 5],
    ),
    CourseSpec(
        "accessible-web-design",
        "Accessible Web Design",
        "Build sites that everyone can use, keyboard and screen reader included.",
        "design",
        L.INTERMEDIATE,
        "0",
        "Learn the **WCAG** principles in practice: semantic HTML, keyboard use, "
        "contrast, forms and testing with a screen reader.",
        [
            ("Principles", ["Why accessibility matters", "Semantic HTML"]),
            ("Practice", ["Keyboard navigation", "Accessible forms", "Testing your pages"]),
        ],
        taught_by_demo_instructor=True,
        reviews=[5],
    ),
    CourseSpec(
        "product-management-101",
        "Product Management 101",
        "Discover what to build, and why.",
        "business",
        L.ALL,
        "39.00",
        "A practical introduction to **product management**: user research, "
        "prioritisation, roadmaps and working with engineering and design.",
        [
            ("Discovery", ["Talking to users", "Finding the problem"]),
            ("Delivery", ["Prioritisation", "Roadmaps", "Measuring success"]),
        ],
        colleague="kenji.tanaka@example.com",
        reviews=[4, 3],
    ),
    CourseSpec(
        "personal-finance-basics",
        "Personal Finance Basics",
        "Budgeting, saving and investing without jargon.",
        "business",
        L.BEGINNER,
        "0",
        "Take control of your money: a **budget** that works, an emergency fund, "
        "debt and the basics of long-term investing.",
        [
            ("Everyday money", ["Building a budget", "Saving automatically"]),
            ("The long run", ["Debt", "Investing basics", "Planning ahead"]),
        ],
        colleague="maria.garcia@example.com",
    ),
    CourseSpec(
        "spanish-for-travellers",
        "Spanish for Travellers",
        "The phrases you need for your next trip.",
        "languages",
        L.BEGINNER,
        "15.00",
        "Order food, ask for directions and make friends in **Spanish**. Short "
        "lessons, real dialogues and pronunciation tips.",
        [
            ("First words", ["Greetings", "Numbers and prices"]),
            ("On the road", ["Directions", "At the restaurant", "At the hotel"]),
        ],
        colleague="maria.garcia@example.com",
        video=(YT, "_uQrJ0TkZlc"),
        reviews=[5, 4],
    ),
    CourseSpec(
        "advanced-rust-systems-programming",
        "Advanced Rust Systems Programming",
        "Ownership, lifetimes and fearless concurrency (in preparation).",
        "programming",
        L.ADVANCED,
        "59.00",
        "A course in preparation: **Rust** for systems work.",
        [("Ownership", ["Borrowing", "Lifetimes"])],
        taught_by_demo_instructor=True,
        status=Course.Status.DRAFT,
    ),
]
# The demo student is enrolled in these free courses, with this many lectures completed.
STUDENT_PROGRESS = {"python-for-absolute-beginners": 2, "git-and-github-in-practice": 1}
# ... and has finished this one, so a newcomer sees a certificate at once.
STUDENT_FINISHED = "accessible-web-design"


def lecture_body(course_title: str, lecture_title: str) -> str:
    return (
        f"## {lecture_title}\n\n"
        f"In this lecture of *{course_title}* you will:\n\n"
        f"- understand the key idea behind **{lecture_title.lower()}**,\n"
        "- follow a worked example step by step,\n"
        "- practise with a short exercise.\n\n"
        "### Worked example\n\n"
        "Read each step, then try it yourself before moving on:\n\n"
        "```text\n1. Describe the problem in one sentence.\n2. Try the simplest approach.\n"
        "3. Check the result and improve it.\n```\n\n"
        "> Tip: pause after each step. Explaining it in your own words is the fastest "
        "way to remember it.\n\n"
        "### Exercise\n\n"
        "1. Write down the one idea you found most useful.\n"
        "2. Apply it to a small problem of your own.\n"
        "3. Compare your result with the summary below.\n\n"
        "### Summary\n\n"
        f"| Topic | Remember |\n|---|---|\n| {lecture_title} | Start small, then iterate. |\n"
    )


class Command(BaseCommand):
    help = "Load demo categories, courses, users and progress (development only; idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with published passwords, so it only runs with "
                "DEBUG=True. Create real accounts with createsuperuser and the admin."
            )
        with transaction.atomic():
            accounts = seed_accounts()
            categories = seed_categories()
            created, seeded = [], []
            for spec in COURSES:
                course, is_new = seed_course(spec, categories, accounts)
                seeded.append(course)
                if is_new:
                    created.append(course)
            # Quizzes are added to demo courses that lack theirs (as an instructor would).
            for course in seeded:
                if seed_quiz(course, accounts["admin@example.com"]):
                    course_duration_refresh(course)
            # A course's reviews and the demo student's progress are made with the course.
            seed_reviews(created, accounts)
            seed_student_progress(created, accounts["student@example.com"])
            seed_student_certificate(accounts["student@example.com"])
        # A generated thumbnail for each demo course without one (one an admin uploaded is
        # kept); after the transaction, since files are not rolled back with it.
        for course in seeded:
            course_thumbnail_add(course)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(COURSES)} courses ({len(created)} created now; "
                "existing ones are left as they are)."
            )
        )
        self.stdout.write("Demo logins (development only; a password changed since is kept):")
        for email, password, _name, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role.label:<10} {email:<24} {password}")


def _user(email: str, name: str, role: str, password: str | None) -> User:
    """The account with this email; created (with this name, role and password) if missing."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(
            email=email,
            name=name,
            role=role,
            bio=INSTRUCTOR_BIOS.get(email, ""),
            **staff_flags_for(role),
        )
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
    return user


def seed_accounts() -> dict[str, User]:
    accounts = {
        email: _user(email, name, role, password) for email, password, name, role in DEMO_ACCOUNTS
    }
    for email, name in OTHER_INSTRUCTORS:
        accounts[email] = _user(email, name, Role.INSTRUCTOR, None)
    for email, name in REVIEWERS:
        accounts[email] = _user(email, name, Role.STUDENT, None)
    return accounts


def seed_categories() -> dict[str, Category]:
    return {
        slug: Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )[0]
        for slug, name, description in CATEGORIES
    }


def seed_course(spec: CourseSpec, categories: dict, accounts: dict) -> tuple[Course, bool]:
    """The course with this slug; if missing, created with its instructors and content.

    Returns (course, created). An existing course is returned untouched, whatever an admin
    made of it (status, title, instructors, modules, lectures).
    """
    course = Course.objects.filter(slug=spec.slug).first()
    if course is not None:
        return course, False
    index = COURSES.index(spec)
    lecture_titles = [title for _module, titles in spec.modules for title in titles]
    is_published = spec.status == Course.Status.PUBLISHED
    course = Course.objects.create(
        slug=spec.slug,
        title=spec.title,
        subtitle=spec.subtitle,
        category=categories[spec.category],
        level=spec.level,
        price=Decimal(spec.price),
        currency=settings.SITE_CURRENCY,
        description=spec.description,
        # One line per module: its title, then what its lectures cover.
        what_you_will_learn="\n".join(
            f"{module}: {' · '.join(titles)}" for module, titles in spec.modules
        ),
        requirements=REQUIREMENTS.get(spec.level, ""),
        status=spec.status,
        is_featured=spec.featured,
        # Spread back in time, so the "newest" order stays as listed here.
        published_at=timezone.now() - timedelta(days=7 * index + 1) if is_published else None,
        duration_minutes=(sum(map(lecture_seconds, lecture_titles)) + 59) // 60,
    )
    instructors = []
    if spec.taught_by_demo_instructor:
        instructors.append(accounts["instructor@example.com"])
    if spec.colleague:
        instructors.append(accounts[spec.colleague])
    course.instructors.add(*instructors)
    # In bulk: a query or two per course rather than several per row, so seeding stays quick
    # on a networked database.
    modules = Module.objects.bulk_create(
        [
            Module(course=course, order=order, title=title, is_published=True)
            for order, (title, _lectures) in enumerate(spec.modules)
        ]
    )
    lectures = [
        lecture
        for module_order, module in enumerate(modules)
        for lecture in demo_lectures(module, spec, module_order)
    ]
    Lecture.objects.bulk_create(lectures)
    return course, True


def lecture_seconds(title: str) -> int:
    return (6 + (len(title) % 10)) * 60


def demo_lectures(module: Module, spec: CourseSpec, module_order: int) -> list[Lecture]:
    """One module's lectures, unsaved."""
    lectures = []
    for position, title in enumerate(spec.modules[module_order][1]):
        # Every third lecture is a video where the course has one; the rest are text.
        is_video = bool(spec.video[1]) and position % 3 == 1
        lectures.append(
            Lecture(
                module=module,
                order=position,
                title=title,
                kind=Lecture.Kind.VIDEO if is_video else Lecture.Kind.TEXT,
                body=lecture_body(spec.title, title),
                video_provider=spec.video[0] if is_video else "",
                video_id=spec.video[1] if is_video else "",
                duration_seconds=lecture_seconds(title),
                is_free_preview=module_order == 0 and position == 0,
                is_published=True,
            )
        )
    return lectures


def seed_reviews(courses: list[Course], accounts: dict[str, User]) -> None:
    """Reviews of courses just created (their reviewers enrolled first)."""
    reviewers = [accounts[email] for email, _name in REVIEWERS]
    specs = {spec.slug: spec for spec in COURSES}
    for course in courses:
        spec = specs[course.slug]
        for reviewer, rating in zip(reviewers, spec.reviews, strict=False):
            enrollment_create(student=reviewer, course=course, source=Enrollment.Source.ADMIN)
            Review.objects.get_or_create(
                course=course,
                student=reviewer,
                defaults={"rating": rating, "text": REVIEW_TEXTS[rating], "is_visible": True},
            )
        # The catalog sorts on the denormalised rating; keep it equal to the reviews.
        stats = Review.objects.filter(course=course, is_visible=True).aggregate(
            average=Avg("rating"), count=Count("id")
        )
        course.rating_average = Decimal(stats["average"] or 0).quantize(Decimal("0.01"))
        course.rating_count = stats["count"]
        course.save(update_fields=["rating_average", "rating_count"])


def course_duration_refresh(course: Course) -> None:
    seconds = Lecture.objects.filter(module__course=course, is_published=True).aggregate(
        total=Sum("duration_seconds")
    )["total"]
    Course.objects.filter(pk=course.pk).update(duration_minutes=((seconds or 0) + 59) // 60)


def seed_student_certificate(student: User) -> None:
    """The demo student's finished course, completed as a student would, which issues its
    certificate; only if the student was never enrolled in it (an admin's changes stay)."""
    course = Course.objects.filter(slug=STUDENT_FINISHED).first()
    if course is None or Enrollment.objects.filter(student=student, course=course).exists():
        return
    enrollment_create(student=student, course=course)
    lectures = Lecture.objects.filter(module__course=course, is_published=True).order_by(
        "module__order", "order"
    )
    for lecture in lectures:
        lecture_complete(user=student, course=course, lecture=lecture)


def seed_student_progress(courses: list[Course], student: User) -> None:
    """The demo student's enrollments and completions in courses just created."""
    for course in courses:
        completed = STUDENT_PROGRESS.get(course.slug)
        if not completed:
            continue
        enrollment, _ = enrollment_create(student=student, course=course)
        lectures = list(
            Lecture.objects.filter(module__course=course, is_published=True).order_by(
                "module__order", "order"
            )[:completed]
        )
        for lecture in lectures:
            LectureCompletion.objects.get_or_create(enrollment=enrollment, lecture=lecture)
        enrollment.last_lecture = lectures[-1]
        enrollment.last_activity_at = enrollment.last_activity_at or timezone.now()
        enrollment.save(update_fields=["last_lecture", "last_activity_at"])

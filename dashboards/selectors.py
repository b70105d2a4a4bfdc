"""Reads for the admin dashboard and the instructor analytics.

Every figure is computed by the database (aggregate/annotate) in a fixed number of queries,
whatever the volume. Filters follow the existing indexes: orders by (status, paid_at),
enrollments by (course, status) and enrolled_at, completions by (enrollment, lecture).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    Q,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import (
    Coalesce,
    NullIf,
    RowNumber,
    TruncDay,
    TruncMonth,
    TruncWeek,
)
from django.utils import timezone

from accounts.models import Role, User
from courses.models import Course, Module
from payments.models import Order
from progress.models import Enrollment, LectureCompletion, Review
from progress.selectors import visible_reviews

RANGE_30_DAYS = "30d"
RANGE_12_MONTHS = "12m"
RANGE_ALL = "all"
DEFAULT_RANGE = RANGE_12_MONTHS
TOP_COURSES = 5
RECENT_ORDERS = 10
RECENT_REVIEWS = 5

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=12, decimal_places=2)
# Orders whose money counts: paid, and refunded (net of what was refunded), once their payment
# is recorded. Orders needing review are left out until an admin settles them.
REVENUE_STATUSES = [Order.Status.PAID, Order.Status.REFUNDED]


def _order_currency():
    # The currency Stripe charged; the order's own currency if that was never recorded.
    return Coalesce(NullIf("paid_currency", Value("")), "currency")


def _order_net():
    return Coalesce("paid_amount", ZERO, output_field=MONEY) - Coalesce(
        "refunded_amount", ZERO, output_field=MONEY
    )


def _bucket_date(value) -> date:
    """A truncated date or datetime from the database, as a date in the current time zone."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def range_start(range_key: str, now: datetime | None = None) -> datetime | None:
    """The first instant of a dashboard period; None for all time.

    "12m" starts on the first day of the month eleven months ago, so the monthly chart shows
    twelve whole calendar months including the current one.
    """
    now = timezone.localtime(now or timezone.now())
    if range_key == RANGE_30_DAYS:
        return now - timedelta(days=30)
    if range_key == RANGE_12_MONTHS:
        first = add_months(month_start(now.date()), -11)
        return now.replace(year=first.year, month=first.month, day=1, hour=0, minute=0).replace(
            second=0, microsecond=0
        )
    return None


def _buckets(kind: str, first: date, last: date) -> list[date]:
    """Every bucket start from `first` to `last` inclusive, so gaps show as zero."""
    out = []
    current = first
    while current <= last:
        out.append(current)
        if kind == "month":
            current = add_months(current, 1)
        elif kind == "week":
            current += timedelta(days=7)
        else:
            current += timedelta(days=1)
    return out


def _bucket_floor(kind: str, day: date) -> date:
    if kind == "month":
        return month_start(day)
    if kind == "week":
        return day - timedelta(days=day.weekday())
    return day


TRUNC = {"month": TruncMonth, "week": TruncWeek, "day": TruncDay}


def _series(kind: str, rows: dict[date, object], start: datetime | None, zero) -> list:
    """[(bucket date, value)] over the whole period, zeros where nothing happened."""
    today = timezone.localdate()
    if start is not None:
        first = _bucket_floor(kind, timezone.localtime(start).date())
    elif rows:
        first = min(rows)
    else:
        return []
    return [(day, rows.get(day, zero)) for day in _buckets(kind, first, _bucket_floor(kind, today))]


@dataclass
class CurrencyRevenue:
    currency: str
    gross: Decimal
    refunded: Decimal
    orders: int

    @property
    def net(self) -> Decimal:
        return self.gross - self.refunded


@dataclass
class AdminDashboard:
    bucket: str
    students: int
    instructors: int
    published_courses: int
    draft_courses: int
    archived_courses: int
    active_enrollments: int
    new_enrollments: int
    new_free_enrollments: int
    new_paid_enrollments: int
    new_granted_enrollments: int
    orders_needing_review: int
    revenue: list[CurrencyRevenue]
    revenue_by_bucket: dict[str, list[tuple[date, Decimal]]]
    enrollments_by_bucket: list[tuple[date, int]]
    top_by_revenue: dict[str, list[dict]]
    top_by_enrollments: list[dict]
    recent_orders: list[Order] = field(default_factory=list)


def admin_dashboard(*, range_key: str, now: datetime | None = None) -> AdminDashboard:
    """Site-wide figures for the admin index. Ten queries, whatever the volume."""
    start = range_start(range_key, now)
    bucket = "day" if range_key == RANGE_30_DAYS else "month"
    trunc = TRUNC[bucket]

    roles = dict(
        User.objects.filter(is_active=True, role__in=[Role.STUDENT, Role.INSTRUCTOR])
        .values_list("role")
        .annotate(n=Count("id"))
        .order_by()
    )
    course_status = dict(Course.objects.values_list("status").annotate(n=Count("id")).order_by())

    active = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE)
    in_period = Q(enrolled_at__gte=start) if start else Q()
    enrollment_figures = active.aggregate(
        total=Count("id"),
        new=Count("id", filter=in_period),
        new_free=Count("id", filter=in_period & Q(source=Enrollment.Source.FREE)),
        new_paid=Count("id", filter=in_period & Q(source=Enrollment.Source.PAID)),
        new_granted=Count("id", filter=in_period & Q(source=Enrollment.Source.ADMIN)),
    )
    period_enrollments = active.filter(enrolled_at__gte=start) if start else active

    # A refund can reach the webhook before the payment it undoes: until that payment is
    # recorded the order has no paid_at (no month) and no paid amount to net it against.
    revenue_orders = Order.objects.filter(status__in=REVENUE_STATUSES, paid_at__isnull=False)
    if start:
        revenue_orders = revenue_orders.filter(paid_at__gte=start)
    revenue_orders = revenue_orders.annotate(cur=_order_currency())
    # One pass over the period's orders gives both the monthly (or daily) series and, summed
    # here, each currency's totals.
    totals: dict[str, CurrencyRevenue] = {}
    per_bucket: dict[str, dict[date, Decimal]] = {}
    for row in (
        revenue_orders.annotate(when=trunc("paid_at"))
        .values("cur", "when")
        .annotate(
            gross=Coalesce(Sum("paid_amount"), ZERO, output_field=MONEY),
            refunded=Coalesce(Sum("refunded_amount"), ZERO, output_field=MONEY),
            n=Count("id"),
        )
        .order_by()
    ):
        total = totals.setdefault(row["cur"], CurrencyRevenue(row["cur"], ZERO, ZERO, 0))
        total.gross += row["gross"]
        total.refunded += row["refunded"]
        total.orders += row["n"]
        per_bucket.setdefault(row["cur"], {})[_bucket_date(row["when"])] = (
            row["gross"] - row["refunded"]
        )
    revenue = [totals[cur] for cur in sorted(totals)]
    revenue_by_bucket = {
        cur: _series(bucket, rows, start, ZERO) for cur, rows in sorted(per_bucket.items())
    }

    enrollment_rows = {
        _bucket_date(row["when"]): row["n"]
        for row in period_enrollments.annotate(when=trunc("enrolled_at"))
        .values("when")
        .annotate(n=Count("id"))
        .order_by()
    }

    # Ranked within each currency: amounts in different currencies are never compared.
    # Grouped by course id only; the few titles come in one query below (cheaper than
    # grouping every order by title and slug).
    top_revenue: dict[str, list[dict]] = {}
    for row in (
        revenue_orders.values("cur", "course_id")
        .annotate(net=Sum(_order_net(), output_field=MONEY))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("cur")], order_by=[F("net").desc(), "course_id"]
            )
        )
        .filter(rank__lte=TOP_COURSES)
        .order_by("cur", "rank")
    ):
        top_revenue.setdefault(row["cur"], []).append(row)

    top_enrollments = list(
        period_enrollments.values("course_id")
        .annotate(n=Count("id"))
        .order_by("-n", "course_id")[:TOP_COURSES]
    )
    ranked = top_enrollments + [row for rows in top_revenue.values() for row in rows]
    titles = Course.objects.only("title").in_bulk({row["course_id"] for row in ranked})
    for row in ranked:
        row["course__title"] = titles[row["course_id"]].title

    needing_review = Order.objects.filter(status=Order.Status.NEEDS_REVIEW).count()
    # Newest first by id (the primary key index), not by an unindexed created_at sort.
    recent = list(Order.objects.select_related("student", "course").order_by("-id")[:RECENT_ORDERS])

    return AdminDashboard(
        bucket=bucket,
        students=roles.get(Role.STUDENT, 0),
        instructors=roles.get(Role.INSTRUCTOR, 0),
        published_courses=course_status.get(Course.Status.PUBLISHED, 0),
        draft_courses=course_status.get(Course.Status.DRAFT, 0),
        archived_courses=course_status.get(Course.Status.ARCHIVED, 0),
        active_enrollments=enrollment_figures["total"],
        new_enrollments=enrollment_figures["new"],
        new_free_enrollments=enrollment_figures["new_free"],
        new_paid_enrollments=enrollment_figures["new_paid"],
        new_granted_enrollments=enrollment_figures["new_granted"],
        orders_needing_review=needing_review,
        revenue=revenue,
        revenue_by_bucket=revenue_by_bucket,
        enrollments_by_bucket=_series(bucket, enrollment_rows, start, 0),
        top_by_revenue=top_revenue,
        top_by_enrollments=top_enrollments,
        recent_orders=recent,
    )


# --- Instructor analytics -------------------------------------------------------------


def analytics_course(*, user, slug: str) -> Course | None:
    """The course `user` may see analytics for: any course for admins, else assigned ones."""
    if not user.is_authenticated:
        return None
    courses = Course.objects.filter(slug=slug)
    if not user.is_admin:
        if not user.is_instructor:
            return None
        courses = courses.filter(instructors=user)
    return courses.first()


@dataclass
class ModuleFunnelStep:
    module_id: int
    title: str
    lectures: int
    completed: int
    share: float  # percent of active enrollees


@dataclass
class CourseAnalytics:
    course: Course
    bucket: str
    active_enrollments: int
    completed_enrollments: int
    published_lectures: int
    average_progress: float  # percent
    enrollments_by_bucket: list[tuple[date, int]]
    funnel: list[ModuleFunnelStep]
    ratings: dict[int, int]
    rating_average: float | None
    recent_reviews: list[Review]

    @property
    def rating_count(self) -> int:
        return sum(self.ratings.values())


ANALYTICS_PERIODS = 12  # weeks or months shown, whichever the bucket


def course_analytics(*, course: Course, bucket: str = "month") -> CourseAnalytics:
    """One course's learning figures. Six queries, whatever the volume.

    A student has completed a module when they completed every published lecture in it;
    progress counts published lectures of published modules only (the learning rules).
    """
    today = timezone.localdate()
    if bucket == "week":
        first = _bucket_floor("week", today) - timedelta(weeks=ANALYTICS_PERIODS - 1)
    else:
        first = add_months(month_start(today), -(ANALYTICS_PERIODS - 1))
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))

    active = Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
    counts = active.aggregate(
        total=Count("id"), completed=Count("id", filter=Q(completed_at__isnull=False))
    )
    timeline = {
        _bucket_date(row["when"]): row["n"]
        for row in active.filter(enrolled_at__gte=start)
        .annotate(when=TRUNC[bucket]("enrolled_at"))
        .values("when")
        .annotate(n=Count("id"))
        .order_by()
    }

    modules = list(
        Module.objects.filter(course=course, is_published=True)
        .annotate(n=Count("lectures", filter=Q(lectures__is_published=True)))
        .filter(n__gt=0)
        .order_by("order", "id")
    )
    published_lectures = sum(m.n for m in modules)

    funnel_counts: dict = {}
    if modules:
        # Completions per (enrollment, module), then, per module, the enrollments whose count
        # equals the module's published lectures: one grouped subquery, one outer aggregate.
        per_module = (
            LectureCompletion.objects.filter(
                enrollment__course=course,
                enrollment__status=Enrollment.Status.ACTIVE,
                lecture__is_published=True,
                lecture__module__in=[m.pk for m in modules],
            )
            .values("enrollment_id", "lecture__module_id")
            .annotate(done=Count("id"))
            .order_by()
        )
        funnel_counts = per_module.aggregate(
            completions=Coalesce(Sum("done"), 0),
            **{
                f"m{m.pk}": Count("enrollment_id", filter=Q(lecture__module_id=m.pk, done=m.n))
                for m in modules
            },
        )
    total = counts["total"]
    funnel = [
        ModuleFunnelStep(
            module_id=m.pk,
            title=m.title,
            lectures=m.n,
            completed=funnel_counts[f"m{m.pk}"],
            share=100 * funnel_counts[f"m{m.pk}"] / total if total else 0.0,
        )
        for m in modules
    ]
    average = (
        100 * funnel_counts["completions"] / (total * published_lectures)
        if total and published_lectures
        else 0.0
    )

    rating_rows = (
        Review.objects.filter(course=course, is_visible=True)
        .values_list("rating")
        .annotate(n=Count("id"))
        .order_by()
    )
    ratings = dict.fromkeys(range(1, 6), 0)
    ratings.update(dict(rating_rows))
    rated = sum(ratings.values())
    rating_average = sum(s * n for s, n in ratings.items()) / rated if rated else None

    return CourseAnalytics(
        course=course,
        bucket=bucket,
        active_enrollments=total,
        completed_enrollments=counts["completed"],
        published_lectures=published_lectures,
        average_progress=average,
        enrollments_by_bucket=_series(bucket, timeline, start, 0),
        funnel=funnel,
        ratings=ratings,
        rating_average=rating_average,
        recent_reviews=list(visible_reviews(course=course)[:RECENT_REVIEWS]),
    )

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import cache
from core.storage import private_storage as private_media_storage
from core.uploads import (
    validate_attachment_upload,
    validate_image_upload,
    validate_video_upload,
)
from courses.video import VideoProvider, embed_url, parse_video_url


def private_storage():
    """Paid lecture media go to the private storage (access-checked delivery)."""
    return private_media_storage


COVER_COUNT = 6  # static/img/covers/cover-<n>.svg


def authorable_lecture_kinds(current: str = "") -> list[tuple[str, str]]:
    """The kinds a lecture form offers: every kind, quizzes included, now that the player
    takes them and the workspace writes them. `current` (the lecture's kind) stays accepted
    for callers that pass it."""
    return list(Lecture.Kind.choices)


def cover_url(thumbnail_name: str, category_id: int | None) -> str:
    """A course's picture: its thumbnail, or the static cover of its category. Takes
    columns, not a Course, for lists read as plain rows (My learning)."""
    if thumbnail_name:
        return Course._meta.get_field("thumbnail").storage.url(thumbnail_name)
    return static(cover_path(category_id))


def cover_path(category_id: int | None) -> str:
    """The static cover of a category, for courses without a thumbnail."""
    return f"img/covers/cover-{(category_id or 0) % COVER_COUNT}.svg"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)

    objects = cache.TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('courses:catalog')}?category={self.slug}"

    @property
    def accent(self) -> int:
        """Which of the cover colours (static/img/covers) stands for this category."""
        return (self.pk or 0) % COVER_COUNT


class CourseQuerySet(cache.TrackedQuerySet):
    def published(self):
        return self.filter(status=Course.Status.PUBLISHED)


# Currencies a course can be priced in: ones Stripe Checkout takes, most used first. The
# site's own (SITE_CURRENCY) is always offered.
CURRENCIES = [
    ("usd", _("US dollar (USD)")),
    ("eur", _("Euro (EUR)")),
    ("gbp", _("Pound sterling (GBP)")),
    ("cad", _("Canadian dollar (CAD)")),
    ("aud", _("Australian dollar (AUD)")),
    ("nzd", _("New Zealand dollar (NZD)")),
    ("chf", _("Swiss franc (CHF)")),
    ("sek", _("Swedish krona (SEK)")),
    ("nok", _("Norwegian krone (NOK)")),
    ("dkk", _("Danish krone (DKK)")),
    ("pln", _("Polish złoty (PLN)")),
    ("czk", _("Czech koruna (CZK)")),
    ("inr", _("Indian rupee (INR)")),
    ("jpy", _("Japanese yen (JPY)")),
    ("sgd", _("Singapore dollar (SGD)")),
    ("hkd", _("Hong Kong dollar (HKD)")),
    ("brl", _("Brazilian real (BRL)")),
    ("mxn", _("Mexican peso (MXN)")),
    ("zar", _("South African rand (ZAR)")),
]


def currency_choices() -> list[tuple[str, str]]:
    codes = {code for code, _label in CURRENCIES}
    site = settings.SITE_CURRENCY
    return CURRENCIES if site in codes else [(site, site.upper()), *CURRENCIES]


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Beginner")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")
        ALL = "all", _("All levels")

    title = models.CharField(_("title"), max_length=200)
    # Stable: set once from the title, never rewritten, so links keep working.
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    subtitle = models.CharField(_("subtitle"), max_length=255, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="courses", verbose_name=_("category")
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="taught_courses",
        blank=True,
        verbose_name=_("instructors"),
        limit_choices_to={"role": "instructor"},
    )
    description = models.TextField(_("description"), blank=True)
    what_you_will_learn = models.TextField(
        _("what you will learn"), blank=True, help_text=_("One item per line.")
    )
    requirements = models.TextField(
        _("requirements"), blank=True, help_text=_("One item per line.")
    )
    level = models.CharField(_("level"), max_length=16, choices=Level, default=Level.BEGINNER)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=0)
    price = models.DecimalField(
        _("price"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("0 means free."),
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.SITE_CURRENCY)
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to="thumbnails/", blank=True, validators=[validate_image_upload]
    )
    intro_video_url = models.URLField(_("intro video URL"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    is_featured = models.BooleanField(_("featured on the home page"), default=False)
    # Denormalised so the catalog can sort by them without aggregating on every request;
    # the progress app's services keep them current inside the writing transaction.
    rating_average = models.DecimalField(
        _("average rating"), max_digits=3, decimal_places=2, default=Decimal("0.00")
    )
    rating_count = models.PositiveIntegerField(_("number of ratings"), default=0)
    enrollment_count = models.PositiveIntegerField(_("active enrollments"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="course_price_not_negative"),
            models.CheckConstraint(
                condition=Q(rating_average__gte=0, rating_average__lte=5),
                name="course_rating_average_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="course_status_newest_idx"),
            models.Index(fields=["status", "-enrollment_count"], name="course_status_popular_idx"),
            models.Index(fields=["status", "-rating_average"], name="course_status_rating_idx"),
            models.Index(fields=["status", "price"], name="course_status_price_idx"),
            models.Index(fields=["status", "is_featured"], name="course_status_featured_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("courses:detail", args=[self.slug])

    def get_learn_url(self):
        """Where a student continues this course (the next lecture to do)."""
        return reverse("progress:resume", args=[self.slug])

    @property
    def is_free(self) -> bool:
        return self.price == 0

    @property
    def intro_embed_url(self) -> str:
        """The promo video's embed address (YouTube/Vimeo only, as for lectures), or ""."""
        if not self.intro_video_url:
            return ""
        try:
            return embed_url(*parse_video_url(self.intro_video_url))
        except ValidationError:
            return ""

    @property
    def placeholder_image(self) -> str:
        """The static cover shown while a course has no thumbnail: one per category."""
        return cover_path(self.category_id)

    @property
    def learning_outcomes(self) -> list[str]:
        """The "what you will learn" items: one per non-empty line."""
        return _lines(self.what_you_will_learn)

    @property
    def requirement_items(self) -> list[str]:
        """The requirements: one per non-empty line."""
        return _lines(self.requirements)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def clean(self):
        super().clean()
        if self.currency and (len(self.currency) != 3 or not self.currency.isalpha()):
            raise ValidationError({"currency": _("Use a three-letter ISO currency code.")})
        self.currency = (self.currency or settings.SITE_CURRENCY).lower()
        if self.price is not None and 0 < self.price < Decimal("0.50"):
            # Stripe's smallest charge; below it a checkout could never be created.
            raise ValidationError({"price": _("A paid course costs at least 0.50.")})


class Module(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="modules", verbose_name=_("course")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_published = models.BooleanField(_("published"), default=True)

    objects = cache.TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "order"], name="module_unique_order"),
        ]

    def __str__(self):
        return self.title


class Lecture(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        VIDEO = "video", _("Video")
        # Completed by passing its quiz (assessment), never by "Mark as complete".
        QUIZ = "quiz", _("Quiz")

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="lectures", verbose_name=_("module")
    )
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.TEXT)
    body = models.TextField(_("body (Markdown)"), blank=True)
    video_file = models.FileField(
        _("video file"),
        upload_to="lectures/videos/",
        storage=private_storage,
        blank=True,
        validators=[validate_video_upload],
    )
    # An embed-ready reference: the provider and its video id, never a raw URL.
    video_provider = models.CharField(
        _("video provider"), max_length=8, choices=VideoProvider, blank=True
    )
    video_id = models.CharField(_("video id"), max_length=64, blank=True)
    attachment = models.FileField(
        _("attachment"),
        upload_to="lectures/attachments/",
        storage=private_storage,
        blank=True,
        validators=[validate_attachment_upload],
    )
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), default=0, validators=[MaxValueValidator(24 * 3600)]
    )
    is_free_preview = models.BooleanField(_("free preview"), default=False)
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = cache.TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["module", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["module", "order"], name="lecture_unique_order"),
            models.CheckConstraint(
                condition=Q(video_provider="", video_id="")
                | (~Q(video_provider="") & ~Q(video_id="")),
                name="lecture_video_reference_complete",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def embed_url(self) -> str:
        return embed_url(self.video_provider, self.video_id)

    @property
    def duration_minutes(self) -> int:
        return (self.duration_seconds + 59) // 60

    def clean(self):
        super().clean()
        if self.kind == self.Kind.VIDEO and not (self.video_file or self.video_id):
            raise ValidationError(
                _("A video lecture needs an uploaded video or a YouTube/Vimeo link.")
            )
        if self.video_id and not self.embed_url:
            # The form parses links; this holds for every writer (the player embeds it).
            raise ValidationError(_("Enter a YouTube or Vimeo video link."))
        if self.video_file and self.video_id:
            raise ValidationError(_("Choose either an uploaded video or a link, not both."))


# Course content (catalog pages, course pages, outlines, lectures) is cached for everyone
# under one version, moved by any change to it. Counters maintained in bulk are ignored:
# pages show them with a lag bounded by their entries' timeouts.
CONTENT_VERSIONS = cache.Family("content", timeout=None)
cache.track(
    Course,
    CONTENT_VERSIONS,
    ignore=("enrollment_count", "rating_average", "rating_count"),
)
cache.track(Course.instructors.through, CONTENT_VERSIONS)
cache.track(Category, CONTENT_VERSIONS)
cache.track(Module, CONTENT_VERSIONS)
cache.track(Lecture, CONTENT_VERSIONS)

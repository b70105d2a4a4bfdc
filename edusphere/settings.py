"""Edu Sphere settings, read from the environment (and an optional `.env` file).

Every variable has a default that needs no server, so a fresh clone runs with `make run`.
Production sets DEBUG=False, which makes SECRET_KEY and ALLOWED_HOSTS mandatory.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

# Development only: refused below whenever DEBUG is off.
_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105  # nosec B105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
if not DEBUG:
    # Refuse to start rather than run production with a guessable key or open hosts.
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Set SECRET_KEY to a random string of 50+ characters.")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS to the site's host names.")

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])
SITE_NAME = env.str("SITE_NAME", default="Edu Sphere")
# The sites framework's row, which allauth's email greets with and puts in its subjects
# ("[Edu Sphere] ..."), kept equal to SITE_NAME and SITE_URL's host on migrate (core.sites).
SITE_ID = 1
SITE_CURRENCY = env.str("SITE_CURRENCY", default="usd").lower()

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.sites",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "core",
    "mail",
    "accounts",
    "courses",
    "progress",
    "assessment",
    "certificates",
    "payments",
    "teaching",
    "notifications",
    "dashboards",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireAdminTwoFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "edusphere.urls"
# Every form field through one template: templates/forms/field.html.
FORM_RENDERER = "core.forms.SiteFormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.site",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "edusphere.wsgi.application"
ASGI_APPLICATION = "edusphere.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not memory) test database, so a live daphne process shares it in browser tests.
    # TEST_DATABASE_NAME lets two test runs share a checkout without sharing a database.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("TEST_DATABASE_NAME", default=str(BASE_DIR / ".test-db.sqlite3"))
    }
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DB_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if DB_IS_POSTGRES:
    # Under ASGI each request runs in a thread of its own, so persistent connections would
    # pile up per thread (Django's docs: use 0 there) and a new connection per request costs
    # more than most pages. A psycopg pool per process serves both: requests borrow and return.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=10)
    if DB_POOL_MAX_SIZE > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        }

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Errors are misses, behind a breaker; keys carry the database's cache epoch.
            "BACKEND": "core.redis_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # Sites that share one Redis database keep apart by prefix (like the channel layer).
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
            "OPTIONS": {
                # redis-py waits 5 s by default, and the cache retries nothing: a hung Redis
                # costs a request at most this, then the breaker skips it for RETRY_AFTER.
                "socket_timeout": 0.25,
                "socket_connect_timeout": 0.25,
                "RETRY_AFTER": env.float("CACHE_RETRY_AFTER", default=1.0),
                "EPOCH_TTL": env.float("CACHE_EPOCH_TTL", default=1.0),
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: one PUBLISH per group send, pushed to every subscribed daphne, instead
            # of the core layer's four round trips a send and four a receive, whose shared
            # per-process inbox also drops a burst beyond its capacity of 100. A live push
            # is best effort anyway: the notification rows are the record.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # Each entry goes to redis-py's ConnectionPool.from_url. Without timeouts a
                # hung Redis holds a socket's connect, or a send from a request, for redis-py's
                # default 5 s. The layer builds its own pool, whose connections retry nothing,
                # so a quarter of a second is the whole wait.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 0.25,
                        "socket_connect_timeout": 0.25,
                    }
                ],
                # A prefix of its own lets several sites (or test runs) share one Redis.
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="asgi"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# An open notification socket re-validates its session (still there, same password, user
# active) this often, whether or not the logout or account-change event reached it.
NOTIFICATIONS_SOCKET_RECHECK_SECONDS = env.float(
    "NOTIFICATIONS_SOCKET_RECHECK_SECONDS", default=60.0
)
# Rendered fragments whose key names everything they were made from (the outline of a
# course at one content version and one learner state, the header of one role, a learner's
# My learning cards at one version of their progress): each process keeps the recent ones
# in its own memory, least recently used dropped first, instead of asking Redis each time.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": env.int("FRAGMENT_CACHE_ENTRIES", default=1000)},
}

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, with the logged-in user read from the cache.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/learn/"

# django-allauth: email is the login; sign-up never asks for a role.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str(
    "ACCOUNT_EMAIL_VERIFICATION", default="optional" if DEBUG else "mandatory"
)
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "add_email": "accounts.forms.AddEmailForm",
}
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# An account has one address; a change waits, one at a time, until the new one is verified
# (accounts.forms.AddEmailForm, AccountAdapter.confirm_email). allauth's ACCOUNT_CHANGE_EMAIL
# does the same only for accounts whose current address is verified: on the others it takes
# the current address for the pending one and blanks the sign-in address.
# Failed logins count per address and per account-and-address (the adapter adds the client's
# address to allauth's "key"), so a stranger elsewhere cannot lock a known account out.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}

# Two-factor authentication (allauth.mfa): an authenticator app or a security key
# (WebAuthn: a hardware key, or a passkey kept by the device), with recovery codes. Browsers
# offer WebAuthn on HTTPS sites and on http://localhost only; its scripts are static files,
# so the strict Content-Security-Policy holds.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# A key added as "passwordless" (one that checks a PIN or a fingerprint itself) also signs
# in alone, from the login page: the key is both factors.
MFA_PASSKEY_LOGIN_ENABLED = env.bool("MFA_PASSKEY_LOGIN_ENABLED", default=True)
# Admins (they move money and roles) must set up two-factor before using the site.
MFA_REQUIRED_FOR_ADMINS = env.bool("MFA_REQUIRED_FOR_ADMINS", default=not DEBUG)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
# An SMTP server that stops answering must not hold a worker for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <noreply@localhost>")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Paid lecture media live outside MEDIA_ROOT and are only served through an access check.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "media-private")))

CLOUDINARY_URL = env.str("CLOUDINARY_URL", default="")
if CLOUDINARY_URL:
    _default_storage = {
        "BACKEND": "core.storage.CloudinaryStorage",
        "OPTIONS": {"delivery_type": "upload"},
    }
    _private_storage = {
        "BACKEND": "core.storage.CloudinaryStorage",
        "OPTIONS": {"delivery_type": "authenticated"},
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "private": _private_storage,
    "staticfiles": {
        "BACKEND": "core.staticfiles.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
UPLOAD_MAX_IMAGE_MB = env.int("UPLOAD_MAX_IMAGE_MB", default=5)
UPLOAD_MAX_VIDEO_MB = env.int("UPLOAD_MAX_VIDEO_MB", default=500)
UPLOAD_MAX_ATTACHMENT_MB = env.int("UPLOAD_MAX_ATTACHMENT_MB", default=50)
# Quiz answers sent this long after an attempt's time limit still count (latency, a slow click).
QUIZ_SUBMIT_GRACE_SECONDS = env.int("QUIZ_SUBMIT_GRACE_SECONDS", default=30)

STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Only for pointing the SDK at a local Stripe-compatible server (tests, offline demos).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# The labelled test checkout page used when DEBUG is on and no Stripe key is set.
DEV_CHECKOUT_ENABLED = env.bool("DEV_CHECKOUT_ENABLED", default=DEBUG and not STRIPE_SECRET_KEY)
# A pending order older than this is expired by the hourly job (payments.jobs); 24 hours is
# how long Stripe keeps a Checkout Session open.
PENDING_ORDER_EXPIRY_HOURS = env.int("PENDING_ORDER_EXPIRY_HOURS", default=24)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# `make bench` routes a bare view at /bench/ceiling/ to measure the framework's own ceiling.
BENCH_CEILING_VIEW = env.bool("BENCH_CEILING_VIEW", default=False)

# Security. These hold in every environment; HTTPS-only ones switch on with DEBUG=False.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions are read on every logged-in request: from the cache, written through to the
# database, and read from the database whenever the cache fails.
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# The site loads nothing from other origins except video embeds and Cloudinary media.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://res.cloudinary.com; "
    "media-src 'self' https://res.cloudinary.com; "
    "frame-src https://www.youtube-nocookie.com https://player.vimeo.com; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Background tasks (Django's tasks API; the django-tasks backport): the database backend by
# default, so no other server is needed; `manage.py db_worker` runs them (see the README).
# A site that outgrows it points TASKS_BACKEND at another backend; the task code is the same.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "email"],
    }
}

# Course announcements a course may post in any hour (progress.services.announcement_post).
ANNOUNCEMENTS_PER_HOUR = env.int("ANNOUNCEMENTS_PER_HOUR", default=5)

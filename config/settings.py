"""Tsunagiai settings: one file, driven by the environment.

Every setting that differs between the embedded demo, a city deployment and
the test suite is read from an environment variable with a safe default for
the embedded default (one process, SQLite, no other service).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP  # type: ignore[attr-defined]
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TSUNAGIAI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
PRODUCTION = env_bool("TSUNAGIAI_PRODUCTION", False)

# Embedded default and tests only: a fixed, clearly marked development key, published with the code.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production-tsunagiai-0000"  # noqa: S105
MIN_PRODUCTION_SECRET_KEY_LENGTH = 50


def secret_key_for(environ: Mapping[str, str], production: bool) -> str:
    """The secret key to use; in production a missing, short or published key refuses to start."""
    key = environ.get("DJANGO_SECRET_KEY", "")
    if not production:
        return key or DEVELOPMENT_SECRET_KEY
    if not key.strip():
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
    if key.strip() == DEVELOPMENT_SECRET_KEY or "insecure" in key.lower():
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is the published development key: set a secret one.")
    if len(key) < MIN_PRODUCTION_SECRET_KEY_LENGTH or len(set(key)) < 5:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY must be at least {MIN_PRODUCTION_SECRET_KEY_LENGTH} random characters in production."
        )
    return key


SECRET_KEY = secret_key_for(os.environ, PRODUCTION)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",  # the database task queue a city's worker reads (TASKS_BACKEND, `make worker`)
    "tsunagiai.core",
    "tsunagiai.reference",
    "tsunagiai.accounts",
    "tsunagiai.audit",
    "tsunagiai.people",
    "tsunagiai.intake",
    "tsunagiai.inbox",
    "tsunagiai.cases",
    "tsunagiai.referrals",
    "tsunagiai.consent",
    "tsunagiai.support",
    "tsunagiai.emergency",
    "tsunagiai.triage",
    "tsunagiai.resources",
    "tsunagiai.community",
    "tsunagiai.regional",
    "tsunagiai.analytics",
    "tsunagiai.reports",
    "tsunagiai.privacy",
    "tsunagiai.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tsunagiai.core.middleware.NoStoreMiddleware",
    "tsunagiai.core.middleware.ApiGuardMiddleware",
    "tsunagiai.core.middleware.ControlCharacterMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tsunagiai.accounts.middleware.IdleSessionTimeoutMiddleware",
    "tsunagiai.core.middleware.LoginRequiredExceptApiMiddleware",
    "tsunagiai.accounts.middleware.SecondFactorRequiredMiddleware",
    "tsunagiai.accounts.middleware.AccessRuleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tsunagiai.core.request_context.RequestContextMiddleware",
    "tsunagiai.accounts.middleware.PermissionsPolicyMiddleware",
    "tsunagiai.core.middleware.IdempotencyMiddleware",
    # Login lockout (django-axes) must come last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# Every form field renders through one template (tsunagiai/core/templates/forms/field.html).
FORM_RENDERER = "tsunagiai.core.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tsunagiai.core.context_processors.tsunagiai",
            ],
            "builtins": ["tsunagiai.core.templatetags.tsunagiai"],
        },
    },
]

# Database: SQLite is the embedded default; DATABASE_URL selects PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "tsunagiai.sqlite3")),
            "OPTIONS": {
                # WAL + a busy timeout so the demo server and a management
                # command can share the file without "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Authentication and hardening (docs/security.md). The lockout backend comes
# first so a locked-out username+address is refused before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("TSUNAGIAI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("TSUNAGIAI_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tsunagiai.accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# The application log masks the user name and address of failed logins (AXES_VERBOSE off); the full record
# is kept in the database: every failure (AccessFailureLog), each lockout (accounts.LoginLockout and the
# audit event accounts.locked_out), shown to auditors and administrators at /accounts/security/.
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The client address is REMOTE_ADDR, as in the audit log: a header the client sends must not choose it.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# Signed in but idle this long: logged out (intake drafts are autosaved).
IDLE_TIMEOUT_MINUTES = int(os.environ.get("TSUNAGIAI_IDLE_TIMEOUT_MINUTES", "30"))
# htmx requests from these elements (by id, sent as HX-Trigger) poll on a
# timer: they do not count as activity, so an open inbox does not keep a
# session alive.
IDLE_PASSIVE_HX_TRIGGERS = ["inbox-items"]
OTP_TOTP_ISSUER = os.environ.get("TSUNAGIAI_OTP_ISSUER", "Tsunagiai")

# Optional OpenID Connect single sign-on for a city with its own identity
# provider: enabled only when the client id and the provider's endpoints are
# set. Users are matched to existing accounts; none is created.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_CREATE_USER = False
OIDC_MATCH_CLAIM = os.environ.get("TSUNAGIAI_OIDC_MATCH_CLAIM", "email")
OIDC_MATCH_FIELD = os.environ.get("TSUNAGIAI_OIDC_MATCH_FIELD", "email")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID and OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT)
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("tsunagiai.accounts.oidc.ExistingUserOIDCBackend")
    LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"

# Argon2id first (config/hashers.py): new passwords and every login with an older hash get an Argon2 hash
# (memory-hard, ~75 ms of CPU where PBKDF2 at Django's 1.5 M iterations took 0.65 s per login). PBKDF2 stays
# so existing hashes still verify; Django re-hashes them with Argon2 at the next successful login.
PRODUCTION_PASSWORD_HASHERS = [
    "config.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Japanese UI, English available; code is English.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Behind gunicorn (`make serve`, deploy/) the app serves the collected static files itself with WhiteNoise:
# hashed names (cached for a year), gzip and Brotli copies made at collectstatic (config/storage.py). The
# embedded default (`make run`, runserver --insecure) and the tests serve them from the source folders.
SERVE_COLLECTED_STATIC = env_bool("TSUNAGIAI_SERVE_COLLECTED_STATIC", PRODUCTION)
if SERVE_COLLECTED_STATIC:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"},
    }
# The usual finders, but a path that leaves the static folders (/static/..%2f..) is "not found", not a 500.
STATICFILES_FINDERS = [
    "tsunagiai.core.staticfiles.FileSystemFinder",
    "tsunagiai.core.staticfiles.AppDirectoriesFinder",
]

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background work: in-process on the embedded default, a real worker in a city
# deployment: TASKS_BACKEND=django_tasks_db.DatabaseBackend queues tasks in the
# database and `make worker` (manage.py db_worker) runs them (docs/deployment.md).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")}}

# Row exports (docs/reports.md): more rows than this are written by a background job (a page with a
# progress bar and a download link), fewer are sent at once. The files are kept, outside every served
# folder, for REPORTS_EXPORT_RETENTION_HOURS after they are done; `run_sweeps` deletes them then.
REPORTS_BACKGROUND_EXPORT_ROWS = int(os.environ.get("REPORTS_BACKGROUND_EXPORT_ROWS", 2000))
REPORTS_EXPORT_ROOT = Path(os.environ.get("REPORTS_EXPORT_ROOT", VAR_DIR / "exports"))
REPORTS_EXPORT_RETENTION_HOURS = int(os.environ.get("REPORTS_EXPORT_RETENTION_HOURS", 24))

# Security headers and cookies.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "tsunagiai.core.views.csrf_failure"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 60 * 60))
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Reference data of the municipality this deployment serves. Another
# municipality points this at its own folder; nothing city-specific is in code.
REFERENCE_DATA_DIR = Path(os.environ.get("TSUNAGIAI_REFERENCE_DIR", BASE_DIR / "data" / "reference" / "toyota"))
TAXONOMY_FILE = Path(os.environ.get("TSUNAGIAI_TAXONOMY_FILE", BASE_DIR / "data" / "reference" / "taxonomy.yaml"))
# A reference load deactivating more than this share of a kind of row is refused (docs/reference-data.md).
REFERENCE_MAX_DEACTIVATION_SHARE = float(os.environ.get("TSUNAGIAI_REFERENCE_MAX_DEACTIVATION_SHARE", "0.2"))
ROUTING_POLICY_FILE = Path(os.environ.get("TSUNAGIAI_ROUTING_FILE", BASE_DIR / "data" / "reference" / "routing.yaml"))
# Triage (C7): the cue lexicon (data, read at once) and the trained model (a versioned file built by
# `manage.py triage_train`; MODEL.json in the folder names the current one).
TRIAGE_LEXICON_FILE = Path(os.environ.get("TSUNAGIAI_TRIAGE_LEXICON", BASE_DIR / "data" / "triage" / "lexicon.yaml"))
TRIAGE_MODEL_DIR = Path(os.environ.get("TSUNAGIAI_TRIAGE_MODEL_DIR", BASE_DIR / "data" / "triage" / "model"))
COORDINATION_OVERSTAY_DAYS = int(os.environ.get("TSUNAGIAI_COORDINATION_OVERSTAY_DAYS", "30"))  # cases (C4)
NO_CONTACT_DAYS = int(os.environ.get("TSUNAGIAI_NO_CONTACT_DAYS", "30"))  # support (C5): days without a support record

# regional (C9): a cluster of unmet needs of one category in one elementary district that reaches
# THRESHOLD within WINDOW_MONTHS is proposed as a regional issue; district boundaries (GeoJSON, the
# Area code in each feature's properties) draw the map — without them the page shows a table.
TSUNAGIAI_REGIONAL_THRESHOLD = int(os.environ.get("TSUNAGIAI_REGIONAL_THRESHOLD", "5"))
TSUNAGIAI_REGIONAL_WINDOW_MONTHS = int(os.environ.get("TSUNAGIAI_REGIONAL_WINDOW_MONTHS", "12"))
TSUNAGIAI_DISTRICTS_GEOJSON = os.environ.get("TSUNAGIAI_DISTRICTS_GEOJSON", "")

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200
# API creates sent with an Idempotency-Key header answer the first result again for this long (docs/api.md).
IDEMPOTENCY_KEY_RETENTION_HOURS = int(os.environ.get("TSUNAGIAI_IDEMPOTENCY_KEY_RETENTION_HOURS", "24"))

if SERVE_COLLECTED_STATIC:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

# LOG_LEVEL sets the root level. WeasyPrint and fontTools (PDF reports) log every font and layout step at
# DEBUG/INFO: only their warnings. A 4xx logs one line on django.request, without the exception's traceback
# (a 403 is the access policy at work); a 5xx keeps its traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_error_without_traceback": {"()": "tsunagiai.core.log_filters.ClientErrorWithoutTraceback"}},
    # On the handler too: django.security.* (DisallowedHost, a too-big upload …) logs a 400 with its exception
    # from child loggers, which a logger's own filter does not see.
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_error_without_traceback"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["client_error_without_traceback"]},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

if env_bool("TSUNAGIAI_TESTING", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

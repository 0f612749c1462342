"""Settings for the integration department's grant and staffing administration.

One settings file for every deployment, configured from environment variables:

- ``DATABASE_URL``: unset -> SQLite under ``var/`` (git-ignored);
  ``postgres://user:password@host:port/name`` -> PostgreSQL via psycopg 3.
- ``DATABASE_PREPARED_STATEMENTS``: "0" turns PostgreSQL's prepared statements off (for a
  connection pooler that cannot keep them); on by default.
- ``SECRET_KEY``: required when ``DEBUG`` is off.
- ``DEBUG``: "1"/"true"/"yes" switch it on; off by default.
- ``ALLOWED_HOSTS``: comma-separated host names.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str | None) -> dict:
    """``DATABASES["default"]`` from ``DATABASE_URL`` (dj-database-url), SQLite under ``var/`` without one."""
    if not url:
        (BASE_DIR / "var").mkdir(exist_ok=True)
        url = f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
    database = dj_database_url.parse(url)
    if database["ENGINE"] != "django.db.backends.postgresql":
        return database
    database.update(CONN_MAX_AGE=int(os.environ.get("CONN_MAX_AGE", "60")), CONN_HEALTH_CHECKS=True)
    database.setdefault("OPTIONS", {}).update(
        {
            # No JIT compilation: it pays off for analytical queries over millions of rows, not for
            # this application's short queries, where it cost far more than the query itself.
            # Random reads priced as PostgreSQL's documentation suggests for SSDs (1.1; the default 4
            # assumes spinning disks): the data stay in memory, and with 4 the planner scanned all
            # positions for one programme's few instead of using the building-block index.
            "options": "-c jit=off -c random_page_cost=1.1",
            # Parameters bound on the server, and a query a connection has run five times prepared:
            # PostgreSQL parses and plans a page's queries once per connection instead of on every
            # request. Behind a pooler in transaction mode that cannot keep prepared statements
            # (PgBouncer before 1.21), set DATABASE_PREPARED_STATEMENTS=0.
            "server_side_binding": True,
            "prepare_threshold": 5 if env_bool("DATABASE_PREPARED_STATEMENTS", default=True) else None,
        }
    )
    return database


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY ist nicht gesetzt. In Produktion muss SECRET_KEY aus der Umgebung kommen; "
            "für die lokale Entwicklung DEBUG=1 setzen (make run tut das)."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

INSTALLED_APPS = [
    "integration_admin.core",
    "integration_admin",
    "programs",
    "staffing",
    "funding",
    "integration_admin.council",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_tables2",
    "django_filters",
    "simple_history",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # outside everything that can refuse a request (CSRF, permissions), so it sees every 403
    "integration_admin.core.middleware.RefusedRequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "integration_admin.core.middleware.IdleSessionMiddleware",
    "integration_admin.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # every query of a request sees only its user's body (a Kreis or a city): one place for all
    "integration_admin.core.scopes.BodyScopeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "integration_admin.mfa.SecondFactorMiddleware",
    # the Land's users (no body) see the Land view and their own account only
    "integration_admin.land_views.LandViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "integration_admin.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "integration_admin.urls"
# Form widgets render with the project's templates, so templates/django/forms/ can override one.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "integration_admin.wsgi.application"

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
                "integration_admin.core.context_processors.site",
            ],
            "builtins": ["integration_admin.core.templatetags.formats"],
        },
    },
]

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"))}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}

# A second connection to the same database, used only to write a background import's progress
# while its commit runs in one transaction on "default" (staffing.imports.jobs); in tests a mirror.
DATABASES["progress"] = {**DATABASES["default"], "ATOMIC_REQUESTS": False, "TEST": {"MIRROR": "default"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "integration_admin.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "integration_admin.backends.ModelBackendWithOrganisation",
]

# Login throttling (django-axes): after 5 failed logins for the same user name from the same
# address, that combination is refused for 15 minutes, even with the right password. (Its
# default locks out by address only, which would lock a whole town hall behind one proxy.)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address, for throttling and the audit log alike: one function
# (integration_admin.core.audit.client_address, django-ipware). Behind PROXY_COUNT reverse proxies
# it is the address the nearest proxy appended to X-Forwarded-For; anything a client wrote into
# that header itself stands further left and is ignored. Without a proxy (PROXY_COUNT=0) the header
# is never read: a client could write any address into it.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "integration_admin.core.audit.client_address"
IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",) if PROXY_COUNT else ("REMOTE_ADDR",)
# django-ipware counts the proxies named in X-Forwarded-For after the client. The nearest proxy is
# not named there (it is the connection's peer), so one proxy (nginx) is 0 for ipware.
IPWARE_META_PROXY_COUNT = max(PROXY_COUNT - 1, 0)
# Not strict: extra entries a client sent in front of the real chain are skipped, not a reason to
# give up on the header; the client is always counted from the right.
IPWARE_STRICT = False

# Sessions end after 30 minutes without a request (IdleSessionMiddleware moves the expiry at most
# once a minute instead of writing the session on every request).
SESSION_COOKIE_AGE = 30 * 60
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Second factor (django-otp): administrators (and every staff user) confirm their login with a code
# from an authenticator app (TOTP) or a one-time recovery code. Required unless DEBUG is on, so
# production cannot go without it by accident; MFA_REQUIRED=0/1 decides explicitly (the demo of
# `make run` goes without and says so on its login page). See integration_admin/mfa.py.
MFA_REQUIRED = env_bool("MFA_REQUIRED", not DEBUG)
# The Django admin's device pages show no secrets of existing devices.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Uploads: refused while they arrive, before they are stored anywhere, above the limit of the view
# that takes them (integration_admin.core.uploads). The import of spreadsheets: at most 10 MB;
# documents (scanned letters, contracts, reports, stored in the database): DOCUMENT_MAX_BYTES,
# 20 MB unless the environment says otherwise.
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# Import: files with more data rows than this are previewed and committed by the background worker;
# uploads never confirmed are deleted after this many days (manage.py purge_imports, the daily job).
IMPORT_BACKGROUND_ROWS = int(os.environ.get("IMPORT_BACKGROUND_ROWS", "1000"))
IMPORT_RETENTION_DAYS = int(os.environ.get("IMPORT_RETENTION_DAYS", "14"))
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024)))
FILE_UPLOAD_HANDLERS = [
    "integration_admin.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Language and time: German first, English available.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["integration_admin.core.formats_locale"]

# HTTPS: on by default in production (DEBUG off). Behind a reverse proxy that terminates TLS,
# set PROXY_COUNT=1 so the client address and the scheme come from the proxy's headers.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
if PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload needs a submission to the browsers' preload list; an intranet host can't.
    "security.W021",
]
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Production: WhiteNoise serves compressed files with hashed names from STATIC_ROOT (after
# `collectstatic`; `make serve` runs it). Development and tests serve them straight from static/.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Background jobs (releases, long PDFs): django-tasks with its database backend, so the queue lives in
# the same database as everything else and any app server can enqueue. `manage.py worker` runs
# them (`make run` starts one beside the development server; see README for production).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# The fragment cache ({% cache %} in the templates, keys from integration_admin.core.cache): a key is
# made of the data a fragment shows, so a cache per process is correct on any number of app servers.
# FRAGMENT_CACHE=0 switches it off (the benchmark measures the pages that way too).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"
        if env_bool("FRAGMENT_CACHE", default=True)
        else "django.core.cache.backends.dummy.DummyCache",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# django-tables2: one look for every table.
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}

# Bodies (Kreise and cities) are data (core.Body, `manage.py create_body`). These two settings only
# name the body into which the migration to bodies moves an older installation's records.
SITE_BODY_NAME = os.environ.get("SITE_BODY_NAME", "Kreis Heinsberg")
SITE_BODY_HEAD = os.environ.get("SITE_BODY_HEAD", "Der Landrat")
# The name an authenticator app shows beside the account (django-otp's TOTP set-up URL).
OTP_TOTP_ISSUER = "Integrationsverwaltung"

# E-mail (the reminders, integration_admin.reminders): Django's mail framework over SMTP when
# EMAIL_HOST is set; without it (development, `make run`) mails are written to the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "integrationsverwaltung@localhost")
# The address of the application as the links in e-mails name it (no request to ask).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The hour (local time) at which the daily reminder job runs.
REMINDER_HOUR = int(os.environ.get("REMINDER_HOUR", "6"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Logins, lock-outs, refused requests, PDF downloads, views of pages with holders (no
        # holder names, no query strings, no typed user names that name no user).
        "integration_admin.audit": {"level": "INFO"},
        # django-axes masks user names and addresses in its own lines (AXES_SENSITIVE_PARAMETERS).
        "axes": {"level": "INFO"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}

"""yima's one settings module: every value comes from a YIMA_* environment variable.

README.md ("Settings") documents each variable. Bad values stop start-up with a message naming
the variable.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from yima.conf import env_bool, env_choice, env_int, env_list, env_path, env_str, env_url

PACKAGE_DIR = Path(__file__).resolve().parent

YIMA_HOME = env_path("YIMA_HOME", Path.cwd() / "var")
DEBUG = env_bool("YIMA_DEBUG", False)

SECRET_KEY = env_str("YIMA_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "YIMA_SECRET_KEY is required when YIMA_DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "yima-insecure-debug-only-key"  # noqa: S105 - debug/demo only

ALLOWED_HOSTS = env_list("YIMA_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
BASE_URL = env_str("YIMA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("YIMA_CSRF_TRUSTED_ORIGINS", [BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "yima.core",
    "yima.regions",
    "yima.accounts",
    "yima.facilities",
    "yima.scan",
    "yima.operations",
    "yima.cases",
    "yima.dashboard",
    "yima.assessment",
    "ninja",  # its static files serve the API docs (Swagger UI) without a CDN
    "yima.api",
]

MIDDLEWARE = [
    "yima.core.middleware.DatabaseUnavailableMiddleware",  # first: wraps all the others
    "django.middleware.security.SecurityMiddleware",
    "yima.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yima.urls"
WSGI_APPLICATION = "yima.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "facilities:list"
LOGOUT_REDIRECT_URL = "core:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yima.core.context_processors.site",
            ],
        },
    },
]

# Database: the embedded SQLite file by default, PostgreSQL in production.
DATABASE_URL = env_url(
    "YIMA_DATABASE_URL",
    f"sqlite:///{YIMA_HOME / 'yima.sqlite3'}",
    schemes=("sqlite", "postgres", "postgresql", "pgsql"),
)
# Connections are kept for a minute and checked before reuse (CONN_HEALTH_CHECKS), so one
# broken by a database restart is replaced instead of failing the next request; while the
# database is down, core.middleware answers 503 and nothing needs restarting afterwards.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails a request within seconds instead of hanging the worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded setup works out of the box: make the folder the database file lives in.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the task worker writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: progress of background jobs and rendered scan pages. A file cache is shared by the
# web server and the task worker on one machine; use Redis when there are several machines.
CACHE_URL = env_url(
    "YIMA_CACHE_URL",
    f"file://{YIMA_HOME / 'cache'}",
    schemes=("file", "redis", "locmem", "dummy"),
)
_cache_scheme, _cache_rest = CACHE_URL.split("://", 1)
CACHES = {
    "default": {
        "file": {
            "BACKEND": "yima.core.cache.FileCache",
            "LOCATION": _cache_rest,
        },
        "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL},
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }[_cache_scheme]
}
if _cache_scheme in ("file", "locmem"):
    # Cached scan pages and QR matrices: one entry each per facility, so room for a province.
    CACHES["default"]["OPTIONS"] = {
        "MAX_ENTRIES": env_int("YIMA_CACHE_MAX_ENTRIES", 50000, minimum=100)
    }

# Background tasks (Django's Tasks API through the django-tasks backport).
TASK_BACKEND = env_choice("YIMA_TASK_BACKEND", "db", ["db", "rq", "immediate"])
TASKS = {
    "default": {
        "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
        "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
        "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }[TASK_BACKEND]
}
if TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": env_str("YIMA_REDIS_URL", "redis://127.0.0.1:6379/0")}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env_int("YIMA_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# --- Login security (issue #7): a clear page when locked out, and a record of every
# login, logout and failed attempt (axes' AccessLog/AccessFailureLog), which staff read on
# /accounts/history/. Successful logins do not reset the failure count (AXES_RESET_ON_SUCCESS),
# so a correct guess cannot end a lockout early.
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_DISABLE_ACCESS_LOG = False
# --- end login security
SESSION_COOKIE_AGE = env_int("YIMA_SESSION_HOURS", 12, minimum=1) * 3600

# Languages: Chinese first, English available.
LANGUAGE_CODE = env_choice("YIMA_LANGUAGE", "zh-hans", ["zh-hans", "en"])
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("YIMA_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = YIMA_HOME / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = YIMA_HOME / "media"
# Uploaded files (yima.core.storage): folders under YIMA_HOME, or S3-compatible object storage
# shared by several servers. "private" holds inspection photo originals (with location) and
# "case_photos" reporters' photos; both are read only through yima's staff views.
STORAGE = env_choice("YIMA_STORAGE", "filesystem", ["filesystem", "s3"])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "yima.operations.models.PrivateMediaStorage"},
    "case_photos": {"BACKEND": "yima.cases.models.CasePhotoStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
if STORAGE == "s3":
    _s3 = {
        "bucket_name": env_str("YIMA_S3_BUCKET", ""),
        "endpoint_url": env_str("YIMA_S3_ENDPOINT_URL", "") or None,
        "access_key": env_str("YIMA_S3_ACCESS_KEY_ID", "") or None,
        "secret_key": env_str("YIMA_S3_SECRET_ACCESS_KEY", "") or None,
        "region_name": env_str("YIMA_S3_REGION", "") or None,
        "addressing_style": env_choice("YIMA_S3_ADDRESSING_STYLE", "path", ["path", "virtual"]),
        "signature_version": "s3v4",
        "default_acl": None,  # objects stay as private as the bucket: no public-read
        "querystring_auth": True,  # any URL handed out is signed and expires
        "querystring_expire": env_int("YIMA_S3_URL_SECONDS", 3600, minimum=60),
        "file_overwrite": False,
    }
    if not _s3["bucket_name"]:
        raise ImproperlyConfigured("YIMA_STORAGE=s3 needs YIMA_S3_BUCKET.")
    _s3_prefix = env_str("YIMA_S3_PREFIX", "").strip("/")
    for _alias, _folder in (("default", "media"), ("private", "private"), ("case_photos", "cases")):
        STORAGES[_alias] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_s3, "location": "/".join(p for p in (_s3_prefix, _folder) if p)},
        }
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
YIMA_MAX_UPLOAD_MB = env_int("YIMA_MAX_UPLOAD_MB", 50, minimum=1)

# Production hardening; `yima check --deploy` must be clean with YIMA_DEBUG off behind HTTPS.
if not DEBUG and BASE_URL.startswith("https://"):
    # The header a TLS-terminating reverse proxy sets (and strips from clients); empty when
    # gunicorn itself receives HTTPS or no proxy sets one.
    _proxy_header = env_str("YIMA_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    if _proxy_header:
        _name, _, _value = _proxy_header.partition(":")
        SECURE_PROXY_SSL_HEADER = (
            "HTTP_" + _name.strip().upper().replace("-", "_"),
            _value.strip() or "https",
        )
    SECURE_SSL_REDIRECT = env_bool("YIMA_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("YIMA_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("YIMA_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("YIMA_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy on every response (yima.core.security): enforce, report-only, off.
YIMA_CSP = env_choice("YIMA_CSP", "enforce", ["enforce", "report-only", "off"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("YIMA_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# E-mail for notifications: Django's console backend (prints) unless an SMTP host is set.
EMAIL_HOST = env_str("YIMA_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("YIMA_EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("YIMA_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_str("YIMA_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("YIMA_EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Behind a reverse proxy: the header it sets with the visitor's address (e.g. X-Real-IP).
YIMA_CLIENT_IP_HEADER = env_str("YIMA_CLIENT_IP_HEADER", "")

# Change history: reasons may be as long as the forms allow (the default column holds 100).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# yima's own knobs.
YIMA_PAGE_SIZE = env_int("YIMA_PAGE_SIZE", 50, minimum=5)
YIMA_REGULATOR_HOTLINE = env_str("YIMA_REGULATOR_HOTLINE", "12369")

# --- Field operations (yima.operations): on-site check-in, photos, inspection schedule. ---
# An inspection counts as "verified on site" only within this distance of the facility's
# recorded position and with a location fix at least this accurate (both in metres).
YIMA_CHECKIN_MAX_DISTANCE_M = env_int("YIMA_CHECKIN_MAX_DISTANCE_M", 200, minimum=1)
YIMA_CHECKIN_MAX_ACCURACY_M = env_int("YIMA_CHECKIN_MAX_ACCURACY_M", 100, minimum=1)
# Photos: largest accepted upload, longest edge after resizing, most photos per submission.
YIMA_PHOTO_MAX_MB = env_int("YIMA_PHOTO_MAX_MB", 10, minimum=1)
YIMA_PHOTO_MAX_PX = env_int("YIMA_PHOTO_MAX_PX", 1600, minimum=320)
YIMA_PHOTO_MAX_COUNT = env_int("YIMA_PHOTO_MAX_COUNT", 6, minimum=1)
# Originals (with their location metadata) live outside MEDIA_ROOT and are served only to staff.
YIMA_PRIVATE_MEDIA_ROOT = env_path("YIMA_PRIVATE_MEDIA_ROOT", YIMA_HOME / "private-media")
# "Due soon" on the inspection schedule: this many days before the due date.
YIMA_INSPECTION_DUE_SOON_DAYS = env_int("YIMA_INSPECTION_DUE_SOON_DAYS", 3, minimum=0)

# --- Scan page, QR codes and printable signs (yima.scan) ---
# A TrueType font (.ttf/.ttc) with Chinese glyphs to embed in sign PDFs; empty: ask fontconfig.
YIMA_CJK_FONT = env_str("YIMA_CJK_FONT", "")
# Characters of the label token in QR URLs (base32, 5 bits each): 8 = 40 bits.
YIMA_LABEL_TOKEN_LENGTH = env_int("YIMA_LABEL_TOKEN_LENGTH", 8, minimum=6)
# Print batches up to this many facilities download directly; larger ones run in the background.
YIMA_LABEL_SYNC_LIMIT = env_int("YIMA_LABEL_SYNC_LIMIT", 200, minimum=1)
# How long a rendered public face stays cached (0 turns the cache off).
YIMA_SCAN_CACHE_SECONDS = env_int("YIMA_SCAN_CACHE_SECONDS", 600, minimum=0)

# --- Public supervision (yima.cases): public reports, promised deadlines, privacy, notices. ---
# Deadlines new problem types start with (each type can change its own): accept within N days,
# resolve within M days, counted in calendar days of TIME_ZONE.
YIMA_CASE_ACCEPT_DAYS = env_int("YIMA_CASE_ACCEPT_DAYS", 2, minimum=1)
YIMA_CASE_RESOLVE_DAYS = env_int("YIMA_CASE_RESOLVE_DAYS", 15, minimum=1)
# PIPL: a reporter's phone number is deleted this many days after the case is closed/rejected.
YIMA_CASE_PHONE_RETENTION_DAYS = env_int("YIMA_CASE_PHONE_RETENTION_DAYS", 180, minimum=1)
# Abuse limits on public submissions (counted in the cache): per client IP per hour and per
# facility per day; tracking-number look-ups and evaluations per IP per hour.
YIMA_CASE_LIMIT_PER_IP_HOUR = env_int("YIMA_CASE_LIMIT_PER_IP_HOUR", 5, minimum=1)
YIMA_CASE_LIMIT_PER_FACILITY_DAY = env_int("YIMA_CASE_LIMIT_PER_FACILITY_DAY", 20, minimum=1)
YIMA_CASE_LIMIT_LOOKUPS_PER_IP_HOUR = env_int("YIMA_CASE_LIMIT_LOOKUPS_PER_IP_HOUR", 60, minimum=1)
# Reporters' photos: at most this many per report, each at most this large, resized to fit.
YIMA_CASE_PHOTO_MAX_COUNT = env_int("YIMA_CASE_PHOTO_MAX_COUNT", 4, minimum=0)
YIMA_CASE_PHOTO_MAX_MB = env_int("YIMA_CASE_PHOTO_MAX_MB", 10, minimum=1)
YIMA_CASE_PHOTO_MAX_PX = env_int("YIMA_CASE_PHOTO_MAX_PX", 1600, minimum=320)
# Served to staff only, through the case's visibility gate; never under MEDIA_ROOT.
YIMA_CASE_PHOTO_ROOT = env_path("YIMA_CASE_PHOTO_ROOT", YIMA_HOME / "private-media" / "cases")
# Where notices go: a class path. Built in: yima.cases.notifications.ConsoleBackend (log only),
# .EmailBackend (staff with an e-mail address; uses Django's EMAIL_* settings), .MemoryBackend
# (tests). An SMS or WeChat gateway is a subclass of notifications.BaseBackend.
YIMA_NOTIFY_BACKEND = env_str("YIMA_NOTIFY_BACKEND", "yima.cases.notifications.ConsoleBackend")
YIMA_NOTIFY_FROM_EMAIL = env_str("YIMA_NOTIFY_FROM_EMAIL", "yima@localhost")

# --- Dashboard (yima.dashboard) and contractor assessment (yima.assessment) ---
# A facility whose inspections have found it abnormal for more than this many days is listed
# under "needs action today".
YIMA_DASHBOARD_ABNORMAL_DAYS = env_int("YIMA_DASHBOARD_ABNORMAL_DAYS", 7, minimum=1)
# The dashboard map draws at most this many facilities (those needing attention first).
YIMA_DASHBOARD_MAP_POINTS = env_int("YIMA_DASHBOARD_MAP_POINTS", 5000, minimum=1)
# Map background tiles, e.g. Tianditu's WMTS URL with your key; empty: no tiles, the map draws
# the county boundaries shipped with yima (works with no internet).
YIMA_MAP_TILE_URL = env_str("YIMA_MAP_TILE_URL", "")
YIMA_MAP_TILE_ATTRIBUTION = env_str("YIMA_MAP_TILE_ATTRIBUTION", "")

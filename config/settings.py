"""Settings, read from the environment (12-factor).

With nothing set, the service runs embedded: a SQLite file under ``DATA_DIR``,
background jobs in-process, caching in local memory, mail written to files.
Set ``DATABASE_URL`` and ``REDIS_URL`` for the full stack (PostgreSQL, a Celery
worker and beat on Redis).
"""

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DATA_DIR = Path(env("DATA_DIR", default=str(BASE_DIR / "var")))
DEBUG = env.bool("DEBUG", default=False)


def _secret_key() -> str:
    """An explicit SECRET_KEY, else one made once per installation and kept in DATA_DIR.

    There is never a shared default secret: a first run on a laptop gets its own
    random key, and production sets SECRET_KEY.
    """
    if env("SECRET_KEY", default=""):
        return env("SECRET_KEY")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

# The public address of the service: feed URLs and links in e-mails are built
# from it, and whether it is https decides the transport-security settings.
# Unset, `manage.py serve` replaces the default with the address it binds.
SITE_URL_IS_SET = bool(env("SITE_URL", default=""))
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
_site = urlsplit(SITE_URL)
SITE_IS_HTTPS = _site.scheme == "https"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_site.hostname, "localhost", "127.0.0.1"])
# A refused form post gets the site's styled page, which says how to recover.
CSRF_FAILURE_VIEW = "config.exceptions.csrf_failure"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"{_site.scheme}://{_site.netloc}"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "config.apps.ConfigConfig",
    "accounts",
    "roadmaps",
    # After accounts: our templates win over allauth's.
    "allauth",
    "allauth.account",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The public calendar feed goes to its view from here: the middleware below is for pages and the API.
    "roadmaps.calendar.middleware.PublicFeedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (a chosen language is kept in a cookie), before CommonMiddleware.
    "accounts.middleware.LocaleMiddleware",
    "roadmaps.web.middleware.NotModifiedWithoutLengthMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After each write by a signed-in user, that learner's cached pages are out of date.
    "roadmaps.web.page_versions.PageVersionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Once the user is known: a logged-in learner's pages follow the profile's language.
    "accounts.middleware.ProfileLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL and IMMEDIATE transactions let the embedded web server, jobs and
    # scheduler share one file without "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a health check that costs no round trip (config/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "config.postgresql"
        if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
            # Only the server-side binding cursor of config.postgresql prepares (Django's binds on the client).
            DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: every password check (the log-in pages, the admin's, the API's token
# login) goes through it, and an account locked for an address is refused before the password is.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # The user with the profile in one query (accounts/backends.py).
    "accounts.backends.LearnerBackend",
    # Only for sessions made before LearnerBackend: it no longer checks passwords.
    "django.contrib.auth.backends.ModelBackend",
]
# django-allauth: only its e-mail verification is used (accounts/verification.py);
# sign-up, log-in and password reset stay on the existing pages and API.
ACCOUNT_ADAPTER = "accounts.verification.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int("EMAIL_VERIFICATION_EXPIRE_DAYS", default=7)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The e-mail address arrives as authenticate(username=...) from every path (and as the
# "username" field of the log-in forms), whatever the user model's USERNAME_FIELD is.
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.throttles.lockout_response"
# Failed attempts are what axes needs; a log of every successful sign-in is not kept.
AXES_DISABLE_ACCESS_LOG = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.NotOnlyWhitespaceValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

# English and French (README, "Languages"): a learner's pages, mails and API errors use the
# profile's language; anonymous visitors get Accept-Language or the language they chose.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switch keeps the choice in a cookie (django_language, one year), sent like the session's.
LANGUAGE_COOKIE_SECURE = SITE_IS_HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False
# Source maps are fetched only by developer tools; compressing the API docs' maps
# (several MB each) would double the time every start spends in collectstatic.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# --- Redis: Celery broker and cache, or the embedded fallbacks ------------------
REDIS_URL = env("REDIS_URL", default="")
# The cache holds throttle counters and feed validators, nothing that must not be
# lost: when Redis is unreachable every cache call answers "nothing there" after a
# short timeout (django-redis IGNORE_EXCEPTIONS) and logs a one-line warning, so
# sign-in, pages and the feed keep working and throttles fail open (README, "Accounts").
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.5)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            # A database of its own keeps a cache flush from touching the job queue.
            "LOCATION": env("CACHE_REDIS_URL", default=REDIS_URL),
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="planner"),
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": CACHE_TIMEOUT_SECONDS,
                "SOCKET_TIMEOUT": CACHE_TIMEOUT_SECONDS,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # Sessions are read from the cache, written to both: a signed-in page saves the
    # session query. The database stays the record: on a cache miss (or Redis down)
    # the session is read from it. Only with Redis: a cache each process keeps for
    # itself would keep a session that another process logged out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    # No broker: jobs run in the process that queues them.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# An unacknowledged job (its worker died) goes back on the queue after visibility_timeout seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = env.json("CELERY_BROKER_TRANSPORT_OPTIONS", default={"visibility_timeout": 3600})
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
NUDGE_DISPATCH_EVERY_MINUTES = env.int("NUDGE_DISPATCH_EVERY_MINUTES", default=5)
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-nudges": {
        "task": "roadmaps.tasks.dispatch_due_nudges",
        "schedule": crontab(minute=f"*/{NUDGE_DISPATCH_EVERY_MINUTES}"),
    },
    "requeue-stalled-exports": {
        "task": "roadmaps.tasks.requeue_stalled_exports",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Mail ---------------------------------------------------------------------
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if EMAIL_HOST
        else "django.core.mail.backends.filebased.EmailBackend"
    ),
)
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Roadmap Planner <planner@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ExpiringTokenAuthentication",
        # DRF's, with the call in the learner's language.
        "accounts.tokens.LanguageSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.exceptions.ErrorResponsesSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    # \u-escape non-ASCII output: an error message that echoes a lone surrogate
    # from the input must still encode (it would be a 500 otherwise).
    "UNICODE_JSON": False,
    "DEFAULT_THROTTLE_RATES": {
        "register": env("THROTTLE_REGISTER", default="10/hour"),
        "login": env("THROTTLE_LOGIN", default="10/minute"),
        "login_account": env("THROTTLE_LOGIN_ACCOUNT", default="30/hour"),
        "register_account": env("THROTTLE_REGISTER_ACCOUNT", default="5/hour"),
        "feed_token": env("THROTTLE_FEED_TOKEN", default="60/minute"),
        "feed_address": env("THROTTLE_FEED_ADDRESS", default="600/minute"),
        "export": env("THROTTLE_EXPORT", default="10/hour"),
        "password_change": env("THROTTLE_PASSWORD_CHANGE", default="10/hour"),
        "account_delete": env("THROTTLE_ACCOUNT_DELETE", default="10/hour"),
        "verify": env("THROTTLE_VERIFY", default="30/hour"),
        "password_reset": env("THROTTLE_PASSWORD_RESET", default="10/hour"),
        "password_reset_account": env("THROTTLE_PASSWORD_RESET_ACCOUNT", default="3/hour"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# API tokens (django-rest-knox): stored as SHA-512 digests, shown once; a token
# unused for API_TOKEN_IDLE_DAYS expires (each use moves the expiry forward).
API_TOKEN_IDLE_DAYS = env.int("API_TOKEN_IDLE_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_IDLE_DAYS),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Roadmap Planner API",
    "DESCRIPTION": "Dated learning roadmaps toward AI and data roles.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files are served by the service itself (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Four different "status" fields: each enum gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "roadmaps.models.plans.TaskStatus",
        "RoadmapStatusEnum": "roadmaps.models.Roadmap.Status",
        "ExportStatusEnum": "roadmaps.models.CalendarExport.Status",
        "ProgressStatusEnum": ["ahead", "on_track", "behind"],
        "CatchUpKindEnum": ["extend", "add_hours", "drop_optional"],
    },
}

# --- Security -----------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SITE_IS_HTTPS and not DEBUG)
SESSION_COOKIE_SECURE = SITE_IS_HTTPS
CSRF_COOKIE_SECURE = SITE_IS_HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SITE_IS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SITE_IS_HTTPS)
# As cookiecutter-django does: an https site asks to be preloaded (set 0 to opt out).
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SITE_IS_HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Every script and style is a file the service serves: no inline code, no other origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# Every handler redacts secrets (feed and unsubscribe tokens, reset and verification
# keys, Authorization headers) from the line and its traceback: config/log_filters.py.
# The loggers that kept handlers of their own (Django's defaults, runserver lines,
# gunicorn's error and access logs once the app is loaded) hand their records to it too.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "planner.cache"
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "config.log_filters.RedactSecrets"},
        "cache_outage": {"()": "config.log_filters.CacheOutageWarning"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Handed to the root's (filtered) handler instead of their own.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
        "gunicorn.error": {"handlers": [], "propagate": True},
        "gunicorn.access": {"handlers": [], "level": "INFO", "propagate": True},
        "planner.cache": {"filters": ["cache_outage"], "level": "WARNING"},
    },
}

# --- Product --------------------------------------------------------------------
NUDGE_GRACE_HOURS = env.int("NUDGE_GRACE_HOURS", default=24)
NUDGE_SEND_LEASE_MINUTES = env.int("NUDGE_SEND_LEASE_MINUTES", default=15)
NUDGE_RETRY_BASE_SECONDS = env.int("NUDGE_RETRY_BASE_SECONDS", default=60)
# Each sent nudge is recorded before the next goes out; by default that commit does
# not wait for the disk (roadmaps/nudges/delivery.py says what that risks and saves).
NUDGE_SYNC_COMMIT_EACH_SEND = env.bool("NUDGE_SYNC_COMMIT_EACH_SEND", default=False)
# With Redis, each sent nudge is journaled there before the next goes out and a send
# job records its chunk in one statement (roadmaps/nudges/journal.py); off (and
# without Redis), each is recorded in the database on its own.
NUDGE_SENT_JOURNAL = env.bool("NUDGE_SENT_JOURNAL", default=bool(REDIS_URL))
FEED_REFRESH_MINUTES = env.int("FEED_REFRESH_MINUTES", default=60)

"""Settings for the CBE Readiness Portal, read from environment variables.

The defaults are the embedded ones (SQLite and a broker on the file system), so
a newcomer needs no server running. Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY and ALLOWED_HOSTS. Every variable is listed in .env.example.
"""

from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from .checks import DEVELOPMENT_SECRET_KEY
from .env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_proxy_ssl_header,
    env_redis,
    env_storage,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CBE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("CBE_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY  # `check --deploy` warns (cbe_portal.checks)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "axes",
    "django_htmx",
    "accounts",
    "directory",
    "frameworks",
    "assessments",
    "policies",
    "plans",
    "reports",
    "dashboards",
    "demo",
    "notifications",
    # After axes: its handler of a failed sign-in marks a locked-out request before
    # audit's records it.
    "audit",
]

MIDDLEWARE = [
    # Outermost, so no reply under /api/ is HTML whatever refused or crashed the request.
    "cbe_portal.api.ApiResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that could hand a control character on to the database.
    "cbe_portal.middleware.ControlCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cbe_portal.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cbe_portal.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "audit.middleware.RefusalMiddleware",
]

ROOT_URLCONF = "cbe_portal.urls"
WSGI_APPLICATION = "cbe_portal.wsgi.application"

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
                "cbe_portal.context_processors.navigation",
            ],
        },
    }
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": env_database(
        "DATABASE_URL",
        {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "db.sqlite3")},
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Tests run on an in-memory database. Tests that start a Celery worker process need a
    # file it can open too: CBE_TEST_DB_FILE names one; without it tests/conftest.py picks
    # var/test/test-db.sqlite3 when such tests are selected.
    DATABASES["default"]["TEST"] = {"NAME": env_str("CBE_TEST_DB_FILE", "") or None}
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    # A kept connection is tested before a request uses it, so a database restart costs
    # the requests during the restart (a 503, see cbe_portal.views.server_error), not the
    # first one after it on each worker.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The accounts app keeps the Django label "readiness" (see accounts/apps.py).
AUTH_USER_MODEL = "readiness.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the signed-in user with a statement made once.
    "accounts.backends.PortalModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on with OpenID Connect (authorization code flow with PKCE), off by default.
# accounts/oidc.py holds the rule that maps the provider's claims to a role and a state or LEA.
OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "your agency account")
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_ROLE_CLAIM = env_str("OIDC_ROLE_CLAIM", "cbe_role")
OIDC_STATE_CLAIM = env_str("OIDC_STATE_CLAIM", "cbe_state")
OIDC_LEA_CLAIM = env_str("OIDC_LEA_CLAIM", "cbe_leaid")
OIDC_ALLOW_NATIONAL_ADMIN = env_bool("OIDC_ALLOW_NATIONAL_ADMIN", False)
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10, minimum=1)
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/sso/refused/"
if OIDC_ENABLED:
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_ID",
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(f"OIDC_ENABLED is true but {', '.join(_missing)} not set")
    AUTHENTICATION_BACKENDS.append("accounts.oidc.PortalOIDCBackend")
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 8, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False
# Failed sign-ins are counted per user name, never per address alone: behind a load
# balancer, or in a state office whose staff share one public address, a lock on the
# address would shut out everyone who typed their password right. `username` locks the
# name from every address (someone guessing from many machines gets 8 tries in all);
# `username_and_ip` locks it only from the address that failed, so nobody elsewhere can
# lock a colleague out, at the price of 8 tries per address for a guesser.
AXES_LOCKOUT_BY = env_str("AXES_LOCKOUT_BY", "username")
_AXES_LOCKOUT_PARAMETERS = {
    "username": ["username"],
    "username_and_ip": [["username", "ip_address"]],
}
if AXES_LOCKOUT_BY not in _AXES_LOCKOUT_PARAMETERS:
    raise ImproperlyConfigured(
        f"AXES_LOCKOUT_BY must be username or username_and_ip, not {AXES_LOCKOUT_BY!r}"
    )
AXES_LOCKOUT_PARAMETERS = _AXES_LOCKOUT_PARAMETERS[AXES_LOCKOUT_BY]
# axes warns when the address is not a lockout parameter, since a lock on a user name with
# the browser's user agent could be dodged by changing it; a lock on the name alone counts
# every attempt at that name, whatever the browser or address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# The client's address, for the lockout and the access log alike: REMOTE_ADDR, or behind
# TRUSTED_PROXY_COUNT proxies the entry they appended to X-Forwarded-For (audit/client.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "audit.client.client_ip_address"
# A styled 429 page saying when sign-in opens again (JSON under /api/).
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Sign-ins are recorded in the portal's own access log (the audit app).
AXES_DISABLE_ACCESS_LOG = True

# Days the access log keeps an event; older ones are deleted daily (audit.tasks).
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 365, minimum=1)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# PDFs and uploads: the local media folder, or S3-compatible object storage shared by every
# web host and worker when STORAGE_URL is set (see cbe_portal/env.py for its form).
STORAGES = {
    "default": env_storage("STORAGE_URL")
    or {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# HTTPS. With DEBUG off every protection is on unless the environment turns it off (a
# local run over plain http sets SECURE_SSL_REDIRECT=false and SECURE_COOKIES=false), so
# `manage.py check --deploy` passes on the defaults (the Makefile's test target runs it).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Behind a proxy that ends TLS, e.g. SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO.
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A session lasts a working day at most, and ends after SESSION_IDLE_TIMEOUT seconds
# without a request (cbe_portal.middleware.IdleTimeoutMiddleware; 0 turns it off).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 9 * 3600, minimum=60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
# Sessions are read from the cache and written through to the database
# (cbe_portal.sessions); a copy in the cache lasts at most this long.
SESSION_ENGINE = "cbe_portal.sessions"
SESSION_CACHE_SECONDS = env_int("SESSION_CACHE_SECONDS", 15 * 60, minimum=1)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    # Token first, so an anonymous request gets a 401 that says how to authenticate.
    # Basic authentication is off: passwords are for the sign-in page only.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "cbe_portal.api_schema.ApiSchema",
    "DEFAULT_FILTER_BACKENDS": ["cbe_portal.api.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "cbe_portal.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "cbe_portal.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["cbe_portal.api.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"write": env_str("API_WRITE_RATE", "1200/minute")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # No OPTIONS metadata: it is not in the schema, and it described each view to anyone
    # signed in. OPTIONS is a 405 like any other method an endpoint does not take.
    "DEFAULT_METADATA_CLASS": None,
    # No `?format=` override: JSON always, and a PDF when its endpoint is asked for one.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CBE Readiness Portal API",
    "DESCRIPTION": "States, LEAs, assessment cycles, answers, the review workflow, state "
    "policy, alignment and readiness reports, scoped to what the signed-in user may see "
    "(anything else is a 404). Authenticate with a session (and its CSRF token) or with "
    "`Authorization: Token <key>` (`manage.py api_token USERNAME`, or the settings page). "
    'Every error reply is JSON: `{"code", "message", "fields"}`. Writes are '
    "rate-limited per user (429).",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "GapCategoryEnum": "policies.apis.GAP_CATEGORY_CHOICES",
        # The LEA's locale, and the locales a new cycle may be narrowed to.
        "LocaleEnum": "directory.models.Locale",
        "PlanStatusEnum": "plans.models.Plan.Status",
        "PlanTaskStatusEnum": "plans.models.Task.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cbe_portal.api_schema.postprocess_text_inputs",
    ],
    # The path converters of cbe_portal.api.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "state": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
        "code": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"},
    },
}

# Celery: Redis when REDIS_URL is set, otherwise kombu's file-system transport,
# which needs no server but still goes through a real worker process.
REDIS_URL = env_redis("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    BROKER_DIR = Path(env_str("CBE_BROKER_DIR", str(VAR_DIR / "broker")))
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
# The cache carries progress that workers report from inside a transaction (imports),
# so it must be shared between processes: Redis, or files on disk by default.
if REDIS_URL:
    CACHES = {
        # Django's, keeping one client per pool rather than making one per call.
        "default": {"BACKEND": "cbe_portal.cache.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=1)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# How background jobs recover (jobs/). A running attempt records a heartbeat every
# JOB_HEARTBEAT_SECONDS; one silent for JOB_STALE_SECONDS lost its worker. Every
# JOB_SWEEP_SECONDS the sweeps (celery beat) queue such jobs again, send the requests the
# broker never got (it was down), and send again any job still queued
# JOB_RESEND_AFTER_SECONDS after it was handed over (its message was lost).
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10, minimum=1)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 45, minimum=1)
if JOB_STALE_SECONDS < 2 * JOB_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "JOB_STALE_SECONDS must be at least twice JOB_HEARTBEAT_SECONDS, or a live job "
        "would look stale between two heartbeats"
    )
JOB_SWEEP_SECONDS = env_int("JOB_SWEEP_SECONDS", 30, minimum=1)
JOB_RESEND_AFTER_SECONDS = env_int("JOB_RESEND_AFTER_SECONDS", 900, minimum=1)

# The sweeps have a queue of their own, which every worker also consumes (kombu takes
# turns between the queues), so a sweep is never stuck behind a state's batch of renders.
# A cycle's summaries are rebuilt at most once per FIGURES_REFRESH_DELAY seconds after
# its rows change (cbe_portal.figures), and the sweep looks for stale ones every
# FIGURES_SWEEP_SECONDS; a page reading a stale summary rebuilds it first in any case.
FIGURES_REFRESH_DELAY = env_int("FIGURES_REFRESH_DELAY", 2, minimum=1)
FIGURES_SWEEP_SECONDS = env_int("FIGURES_SWEEP_SECONDS", 300, minimum=10)
# The dashboards keep each page body they draw, by the generation of its figures, for at
# most FIGURES_PAGE_SECONDS (0: draw every view). Changes through the app show at once;
# the limit bounds how long a change made around it (the admin, a shell) can go unseen.
FIGURES_PAGE_SECONDS = env_int("FIGURES_PAGE_SECONDS", 60, minimum=0)
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (
    Queue("celery", routing_key="celery"),
    Queue("sweeps", routing_key="sweeps"),
)
CELERY_TASK_ROUTES = {
    "reports.tasks.report_sweep": {"queue": "sweeps"},
    "directory.tasks.import_sweep": {"queue": "sweeps"},
    "dashboards.tasks.figures_sweep": {"queue": "sweeps"},
}
# Run by `celery worker --beat` (or `manage.py report_sweep` from cron).
CELERY_BEAT_SCHEDULE = {
    "report-sweep": {
        "task": "reports.tasks.report_sweep",
        "schedule": float(JOB_SWEEP_SECONDS),
        "kwargs": {"queued_for": JOB_RESEND_AFTER_SECONDS},
        # A sweep that waited a minute is dropped: after a long outage the queue holds a
        # few sweeps, not one per period.
        "options": {"expires": max(60.0, 2.0 * JOB_SWEEP_SECONDS)},
    },
    # Cycles' summaries older than their rows (a refresh the broker never got) are rebuilt.
    "figures-sweep": {
        "task": "dashboards.tasks.figures_sweep",
        "schedule": float(FIGURES_SWEEP_SECONDS),
        "options": {"expires": max(60.0, 2.0 * FIGURES_SWEEP_SECONDS)},
    },
    "import-sweep": {
        "task": "directory.tasks.import_sweep",
        "schedule": float(JOB_SWEEP_SECONDS),
        "options": {"expires": max(60.0, 2.0 * JOB_SWEEP_SECONDS)},
    },
    # One email a day per person: their LEAs due in a week and those overdue.
    "due-digest": {
        "task": "notifications.tasks.due_digest",
        "schedule": crontab(hour=env_int("DIGEST_HOUR", 7), minute=0),
        "options": {"expires": 3600 * 6},
    },
    # Emails the broker never got (it was down when they were queued) are handed over again.
    "email-sweep": {
        "task": "notifications.tasks.email_sweep",
        "schedule": 600.0,
        "kwargs": {"queued_for": 900},
        "options": {"expires": 540},
    },
    # Delete the files of import previews nobody confirmed or cancelled in time.
    "import-expire-abandoned": {
        "task": "directory.tasks.import_expire_abandoned",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    "access-log-prune": {
        "task": "audit.tasks.access_log_prune",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600},
    },
}
# Hours after which an import preview that nobody confirmed or cancelled expires and its
# uploaded file is deleted (`manage.py import_expire` or the beat task above).
IMPORT_ABANDONED_HOURS = env_int("IMPORT_ABANDONED_HOURS", 24, minimum=1)

# Email. The absolute links in emails start with SITE_URL. Without EMAIL_URL or
# EMAIL_HOST, emails are printed by the console backend instead of sent.
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000")
_email = env_email("EMAIL_URL", "EMAIL_HOST")
EMAIL_BACKEND = _email.pop("EMAIL_BACKEND")
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(_email.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CBE Readiness Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CBE_FRAMEWORK_DIR = BASE_DIR / "frameworks"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO; only its warnings matter here.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Improvement plans: an indicator last rated established more than this many cycles ago is
# flagged on the plan page for a fresh look.
PLAN_REASSESS_AFTER_CYCLES = env_int("PLAN_REASSESS_AFTER_CYCLES", 3, minimum=1)

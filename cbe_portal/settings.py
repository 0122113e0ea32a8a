"""Settings for the CBE Readiness Portal, read from environment variables.

The defaults are the embedded ones (SQLite and a broker on the file system), so
a newcomer needs no server running. Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY and ALLOWED_HOSTS. Every variable is listed in .env.example.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_database, env_int, env_list, env_redis, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CBE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("CBE_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105
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
]

MIDDLEWARE = [
    # Outermost, so no reply under /api/ is HTML whatever refused or crashed the request.
    "cbe_portal.api.ApiResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The accounts app keeps the Django label "readiness" (see accounts/apps.py).
AUTH_USER_MODEL = "readiness.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 8, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
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
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
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

# Re-send report requests the broker never got (it was down) and re-queue renders whose
# worker died; run by `celery worker --beat`, or `manage.py report_sweep` from cron.
CELERY_BEAT_SCHEDULE = {
    "report-sweep": {
        "task": "reports.tasks.report_sweep",
        "schedule": 300.0,
        "kwargs": {"queued_for": 900},
        "options": {"expires": 240},
    },
}

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

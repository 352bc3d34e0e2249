"""One settings module for every environment.

Everything that differs between a laptop and the city's servers comes from the environment
(django-environ); the defaults are the embedded ones `make run` uses: SQLite, files under var/,
and a Celery broker on the filesystem, so a newcomer needs no server to see the portal work.
`DJANGO_ENV=production` turns on the hardening that `manage.py check --deploy` asks for.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ

from footage import tus_schema  # plain data: the OpenAPI description of the tus endpoints

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

# In development an unset key falls back to one that is only good for a laptop; production refuses
# to start without a real one rather than run with a guessable key.
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-0123456789")

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal",
    "incidents",
    "footage",
    "releases",
    "public",
]

MIDDLEWARE = [
    # Public pages a CDN could keep are answered from the cache before the rest of the stack.
    "public.caching.PublicPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PrivateResponsesAreNotStoredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Every view needs a signed-in user unless marked @login_not_required (the public site, sign-in, the API's own auth).
    "portal.middleware.LoginRequiredMiddleware",
    "portal.middleware.StaffAreaRequiresSecondFactorMiddleware",
    # Axes goes last so it sees the outcome of authentication on every request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The dev server and the worker write to the same file; wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.passwords.NotBuiltFromUsernameValidator"},
]
LOGIN_URL = "login"
# Staff pages, the admin site and session use of the API need a verified second factor (CJIS).
# Only a laptop may turn it off; production refuses to start without it.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=True)
if PRODUCTION and not MFA_REQUIRED:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("MFA_REQUIRED cannot be off in production: staff must sign in with a second factor.")
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Incident portal")
# API tokens die this many hours after they are issued, and at sign-out.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=8)
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "login"

# Repeated failed sign-ins stop that username from that address; many more from anywhere stop the
# username alone. Never the address alone: behind the proxy it would lock everyone out at once.
# Both clear after the cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "portal.signin_lockout.SignInLockoutHandler"
# The client's address comes from X-Forwarded-For only through this many trusted proxies (0: none).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "portal.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.views.auth.locked_out"
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
# The city's languages. English and Spanish are complete; the others have catalogues in locale/
# that translators fill in (an empty string falls back to English).
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("ht", "Kreyòl ayisyen"),
    ("zh-hant", "繁體中文"),
    ("zh-hans", "简体中文"),
    ("vi", "Tiếng Việt"),
    ("kea", "Kabuverdianu"),
    ("ru", "Русский"),
    ("ar", "العربية"),
    ("pt-br", "Português (Brasil)"),
    ("fr", "Français"),
    ("so", "Soomaali"),
]
# Django ships no locale data for these three; teach it their names (and direction) so
# get_language_info and the bidi switch work for them as for the others.
EXTRA_LANG_INFO = {
    "ht": {"bidi": False, "code": "ht", "name": "Haitian Creole", "name_local": "Kreyòl ayisyen"},
    "kea": {"bidi": False, "code": "kea", "name": "Cape Verdean Creole", "name_local": "Kabuverdianu"},
    "so": {"bidi": False, "code": "so", "name": "Somali", "name_local": "Soomaali"},
}
import django.conf.locale  # noqa: E402

django.conf.locale.LANG_INFO.update({k: v for k, v in EXTRA_LANG_INFO.items() if k not in django.conf.locale.LANG_INFO})
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["public.formats"]  # dates for ht, kea, so (Django has no formats for them)
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Originals and derived files live under two different storages: "evidence" has no public URL at
# all (every byte leaves through a permission-checked, audited view); "default" holds derived
# working files (proxies, thumbnails, release copies) that are also only served through views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
EVIDENCE_ROOT = Path(env.str("EVIDENCE_ROOT", default=str(VAR_DIR / "evidence")))
UPLOAD_TEMP_DIR = Path(env.str("UPLOAD_TEMP_DIR", default=str(VAR_DIR / "uploads")))
# No URL route serves MEDIA_ROOT or EVIDENCE_ROOT: every file leaves through a view that checks
# permission and writes the chain of custody. The prefix exists only because Django needs one.
MEDIA_URL = "/media-is-not-served/"

STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    _s3_options = {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
        "region_name": env.str("AWS_S3_REGION_NAME", default=None),
        "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3_options, "location": "derived"}},
        "evidence": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3_options, "location": "evidence"}},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT, "base_url": None}},
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": EVIDENCE_ROOT, "base_url": None}},
    }
STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if PRODUCTION
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
}

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery. Without a broker URL the worker talks through files under var/ (kombu's filesystem
# transport), which is enough for one machine and needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
else:
    # A job not acknowledged within this window is handed to another worker; it must outlast
    # the longest job (a long render), or work is done twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600)}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=4 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Asked to stop with REMAP_SIGTERM=SIGQUIT (docker-compose's worker), a worker lets running tasks
# finish for this long, then hands them back to the broker; below compose's stop_grace_period.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=90.0)
# Periodic jobs. Each app adds its own entries here (fixity checks, stuck-job sweeps, expiry).
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "portal.tasks.record_worker_heartbeat", "schedule": 60.0},
    "footage-sweep-stuck-jobs": {"task": "footage.tasks.sweep_stuck_jobs", "schedule": 120.0},
    "footage-expire-uploads": {"task": "footage.tasks.expire_uploads", "schedule": 3600.0},
    "footage-fixity-cycle": {"task": "footage.tasks.start_fixity_cycle", "schedule": 3600.0},
    "release-render-sweep": {"task": "releases.tasks.sweep_stale_render_jobs", "schedule": 120.0},
    "release-transcription-sweep": {"task": "releases.tasks.sweep_stale_transcription_jobs", "schedule": 120.0},
    "audit-checkpoint-daily": {"task": "portal.tasks.sign_audit_checkpoint", "schedule": 24 * 3600.0},
    "footage-retention-daily": {"task": "footage.tasks.run_retention", "schedule": 24 * 3600.0},
}
# A beat message no worker took before the next one was due is dropped, so a worker back from an
# outage runs each job once, not once per interval it missed.
for _entry in CELERY_BEAT_SCHEDULE.values():
    if isinstance(_entry["schedule"], (int, float)):
        _entry.setdefault("options", {}).setdefault("expires", _entry["schedule"])

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@city.invalid")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [(addr.split("@")[0], addr) for addr in env.list("ADMINS", default=[])]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api_auth.ExpiringTokenAuthentication",
        "portal.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "portal.openapi.PortalAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Incident Documentation Portal API",
    "DESCRIPTION": "Staff API for incidents, footage and releases, and the public open-data API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The tus endpoints are plain Django views (they stream the body); described by hand.
    "APPEND_PATHS": tus_schema.APPEND_PATHS,
    "APPEND_COMPONENTS": tus_schema.APPEND_COMPONENTS,
}

# Upload and media limits; a file over the limit is refused before a byte is stored.
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=8 * 1024**3)
UPLOAD_EXPIRY = timedelta(hours=env.int("UPLOAD_EXPIRY_HOURS", default=72))
# Footage: every original is re-hashed at least this often; a processing job is retried this many
# times; a job or upload claim whose heartbeat is older than these seconds is taken as dead.
FIXITY_INTERVAL_HOURS = env.int("FIXITY_INTERVAL_HOURS", default=24 * 7)
FOOTAGE_JOB_MAX_ATTEMPTS = env.int("FOOTAGE_JOB_MAX_ATTEMPTS", default=3)
FOOTAGE_JOB_STALE_SECONDS = env.int("FOOTAGE_JOB_STALE_SECONDS", default=300)
FOOTAGE_UPLOAD_CLAIM_STALE_SECONDS = env.int("FOOTAGE_UPLOAD_CLAIM_STALE_SECONDS", default=180)
FOOTAGE_WORK_DIR = Path(env.str("FOOTAGE_WORK_DIR", default=str(VAR_DIR / "footage-work")))
RELEASE_DEADLINE_DAYS = env.int("RELEASE_DEADLINE_DAYS", default=30)
# When a withholding officer names no review date, the decision is reviewed this many days later.
WITHHELD_REVIEW_DAYS = env.int("WITHHELD_REVIEW_DAYS", default=90)
# Who sends a released file's bytes once the portal has checked it is public: "" (Django streams
# them), "accel" (nginx, X-Accel-Redirect under PUBLIC_FILES_ACCEL_PREFIX), "sendfile" (X-Sendfile)
# or "redirect" (a presigned URL of the S3 store).
PUBLIC_FILES_HANDOFF = env.str("PUBLIC_FILES_HANDOFF", default="")
PUBLIC_FILES_ACCEL_PREFIX = env.str("PUBLIC_FILES_ACCEL_PREFIX", default="/internal-media/")
SHARE_LINK_DAYS = env.int("SHARE_LINK_DAYS", default=30)  # how long a link shared with a prosecutor lasts
# Whether a published release's original may be deleted at the end of retention, its redacted copy staying public.
RETENTION_RELEASE_COPY_OUTLIVES_ORIGINAL = env.bool("RETENTION_RELEASE_COPY_OUTLIVES_ORIGINAL", default=False)
RELEASE_SIGNING_KEY = env.str("RELEASE_SIGNING_KEY", default=str(VAR_DIR / "release-signing-key.pem"))
# Audit checkpoints: the heads of the hash chains are signed with a key the database never holds
# (a PEM path or base64 raw Ed25519, as above; generated under var/ in development, required in
# production) and each checkpoint is also written as a file here, outside the database.
AUDIT_CHECKPOINT_KEY = env.str("AUDIT_CHECKPOINT_KEY", default="" if PRODUCTION else str(VAR_DIR / "audit-checkpoint-key.pem"))
AUDIT_CHECKPOINT_DIR = Path(env.str("AUDIT_CHECKPOINT_DIR", default=str(VAR_DIR / "audit-checkpoints")))
# C2PA Content Credentials: the city's signing certificate chain (leaf first), its key and the
# root published as the trust anchor (PEM paths; generated under var/ in development).
_C2PA_DIR = VAR_DIR / "content-credentials"
C2PA_SIGNING_CERT_CHAIN = env.str("C2PA_SIGNING_CERT_CHAIN", default="" if PRODUCTION else str(_C2PA_DIR / "signing-chain.pem"))
C2PA_SIGNING_KEY = env.str("C2PA_SIGNING_KEY", default="" if PRODUCTION else str(_C2PA_DIR / "signing-key.pem"))
C2PA_ROOT_CERT = env.str("C2PA_ROOT_CERT", default="" if PRODUCTION else str(_C2PA_DIR / "root.pem"))
# RFC 3161 time-stamping authorities (URLs); empty: tree heads and manifests carry no timestamp.
TIMESTAMP_AUTHORITIES = env.list("TIMESTAMP_AUTHORITIES", default=[])
TIMESTAMP_AUTHORITY_ROOTS = env.str("TIMESTAMP_AUTHORITY_ROOTS", default="")  # PEM file of the authorities' roots
# Release renders happen in a private work folder; only finished copies reach storage.
RELEASE_WORK_DIR = Path(env.str("RELEASE_WORK_DIR", default=str(VAR_DIR / "release-work")))
RELEASE_RENDER_STALE_SECONDS = env.int("RELEASE_RENDER_STALE_SECONDS", default=300)
# A running render touches its row this often, even in a step that reports no progress; well below the stale limit above.
RELEASE_RENDER_HEARTBEAT_SECONDS = env.float("RELEASE_RENDER_HEARTBEAT_SECONDS", default=10.0)
RELEASE_RENDER_MAX_ATTEMPTS = env.int("RELEASE_RENDER_MAX_ATTEMPTS", default=3)
RELEASE_RENDER_TIME_LIMIT = env.int("RELEASE_RENDER_TIME_LIMIT", default=4 * 3600)
# Draft captions: a folder with another pocketsphinx model (acoustic model, *.lm.bin, *.dict) the
# city supplies, and its language; empty uses the US English model inside the pocketsphinx wheel.
TRANSCRIPTION_MODEL_DIR = env.str("TRANSCRIPTION_MODEL_DIR", default="")
TRANSCRIPTION_LANGUAGE = env.str("TRANSCRIPTION_LANGUAGE", default="en")
TRANSCRIPTION_STALE_SECONDS = env.int("TRANSCRIPTION_STALE_SECONDS", default=300)
TRANSCRIPTION_MAX_ATTEMPTS = env.int("TRANSCRIPTION_MAX_ATTEMPTS", default=3)
TRANSCRIPTION_TIME_LIMIT = env.int("TRANSCRIPTION_TIME_LIMIT", default=2 * 3600)
PUBLIC_MAP_TILE_URL = env.str("PUBLIC_MAP_TILE_URL", default="")
CITY_NAME = env.str("CITY_NAME", default="City of Example")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy: no inline script or style anywhere, so an injected tag runs nothing.
# Fonts allow data: because Video.js embeds its icon font in its stylesheet; the map's tile
# server, when configured, is the one outside host images may come from.
_tile_host = urlsplit(PUBLIC_MAP_TILE_URL.replace("{s}", "*"))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"] + ([f"{_tile_host.scheme}://{_tile_host.netloc}"] if _tile_host.netloc else []),
        "font-src": ["'self'", "data:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Health probes come over plain HTTP from inside the compose network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]

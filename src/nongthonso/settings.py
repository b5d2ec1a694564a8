"""Django settings. Everything that differs between machines comes from the environment.

- ``DATABASE_URL``: e.g. ``postgres://user:pass@host:5432/nongthonso``; default: SQLite in ``var/``.
- ``NONGTHONSO_DATA_DIR``: where the SQLite file and uploaded evidence live (default ``./var``).
- ``DJANGO_SECRET_KEY``, ``DJANGO_DEBUG``, ``DJANGO_ALLOWED_HOSTS``: see docs/operations.md.
- ``DJANGO_HTTPS``, ``DJANGO_SECURE_*``, ``DJANGO_PROXY_SSL_HEADER``, ``DJANGO_CSRF_TRUSTED_ORIGINS``: HTTPS
  behind a reverse proxy (on by default when ``DJANGO_DEBUG=0``); see docs/operations.md.
- ``NONGTHONSO_HOME_PROVINCE``: the GSO code of the province this installation serves (default ``19``, Thái
  Nguyên): the unit pages and reports open on when none is asked for.
- ``NONGTHONSO_REPORT_GROUPING``: how the report tables of a two-tier province (communes directly under it, from
  1/7/2025) group its communes: ``huyen-cu`` (default: the former district, read from the units' lineage) or
  ``nhom-xa`` (the commune group of Decision 51/2025/QĐ-TTg). Communes under a district (the three-tier years) are
  always grouped by it. The dashboards take ``?nhom=`` to override it; see ``units.groupings``.
- ``CACHE_URL``: the cache the dashboards keep their figures in (default: each process's memory); see
  ``_cache`` below and docs/performance.md.
- ``NONGTHONSO_LOGIN_FAILURE_LIMIT``, ``NONGTHONSO_LOGIN_LOCKOUT_MINUTES``: login throttling (django-axes);
  ``NONGTHONSO_SUPPORT_CONTACT``: whom a locked-out user (or anyone meeting an error page) should call.
- ``NONGTHONSO_API_TOKEN_DAYS``: how long a new API token is valid.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("NONGTHONSO_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"


def _secret_key() -> str | None:
    """``DJANGO_SECRET_KEY``, else the first line of the file ``DJANGO_SECRET_KEY_FILE`` names (``make run`` keeps
    one in ``var/``), else a development key when DEBUG is on."""
    if key := os.environ.get("DJANGO_SECRET_KEY", "").strip():
        return key
    if path := os.environ.get("DJANGO_SECRET_KEY_FILE", "").strip():
        return Path(path).read_text().strip() or None
    return "dev-only-insecure-key-change-me" if DEBUG else None


SECRET_KEY = _secret_key()
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set when DJANGO_DEBUG=0")
# the key of the backups' HMAC (core.backup); empty: derived from SECRET_KEY. See docs/operations.md, section 8.
NONGTHONSO_BACKUP_KEY = os.environ.get("NONGTHONSO_BACKUP_KEY", "")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in ("1", "true", "yes", "on")


# Production (DJANGO_DEBUG=0) is served over HTTPS by a reverse proxy that terminates TLS and says so in
# X-Forwarded-Proto: secure cookies, the HTTPS redirect and HSTS are on unless turned off. The production
# set for which `nongthonso check --deploy` is clean is in docs/operations.md (and tests/ops/test_deploy.py).
HTTPS = _flag("DJANGO_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = _flag("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # health checks from the machine itself speak plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS") or (31_536_000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = _flag("DJANGO_SECURE_HSTS_PRELOAD", False)
# the header the proxy sets to "https" (and strips from clients); empty: no proxy, trust nothing
_PROXY_SSL_HEADER = os.environ.get("DJANGO_PROXY_SSL_HEADER", "" if DEBUG else "X-Forwarded-Proto").strip()
SECURE_PROXY_SSL_HEADER = (("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER
                           else None)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "nongthonso.core",
    "nongthonso.audit",
    "nongthonso.units",
    "nongthonso.accounts",
    "nongthonso.criteria",
    "nongthonso.assessments",
    "nongthonso.recognition",
    "nongthonso.reports",
    "nongthonso.dataio",
    "nongthonso.notifications",
    "nongthonso.training",
    "nongthonso.ocop",
    "nongthonso.coops",
    "nongthonso.market",
    "nongthonso.maps",
    "nongthonso.foresight",
    "nongthonso.smart",
    "ninja",
    "nongthonso.api",
    "nongthonso.demo",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "nongthonso.core.middleware.VietnameseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "nongthonso.audit.middleware.RequestIdMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the Vietnamese page (accounts.throttling)
]

ROOT_URLCONF = "nongthonso.urls"
WSGI_APPLICATION = "nongthonso.wsgi.application"

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
                "nongthonso.core.context_processors.menu",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'nongthonso.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        # WAL: readers never wait for the writer; a 32 MiB page cache per connection instead of SQLite's 2 MiB
        # default keeps the indexes a summary reads in memory beside the other pages' queries (docs/performance.md)
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache(url: str) -> dict:
    """``CACHE_URL``: empty (the default) keeps a cache in each process's memory; ``redis://host:6379/0``
    (needs the ``redis`` package) or ``db://table`` (after ``nongthonso createcachetable``) share one
    between processes and machines; ``dummy://`` caches nothing."""
    scheme, _, rest = url.partition("://")
    if not url or scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": rest or "nongthonso",
                "OPTIONS": {"MAX_ENTRIES": 2000}}
    if scheme in ("redis", "rediss", "unix"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "db":
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": rest or "nongthonso_cache"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise RuntimeError(f"CACHE_URL {url!r}: use redis://…, db://table, locmem:// or dummy://")


# The dashboards cache their figures per data revision (reports.selectors.cached); see docs/performance.md.
CACHES = {"default": _cache(os.environ.get("CACHE_URL", ""))}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Login throttling (django-axes): after NONGTHONSO_LOGIN_FAILURE_LIMIT wrong passwords for one user name from one
# address, that pair is refused for NONGTHONSO_LOGIN_LOCKOUT_MINUTES, whatever is typed (the web login and /admin/;
# the API takes tokens, not passwords). Further attempts while locked do not extend the lockout; a right password
# before the limit starts the count again; the province office can lift a lockout on the accounts page.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("NONGTHONSO_LOGIN_FAILURE_LIMIT") or 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("NONGTHONSO_LOGIN_LOCKOUT_MINUTES") or 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "nongthonso.accounts.throttling.locked_out"
# waitress puts the client's address in REMOTE_ADDR (from X-Forwarded-For only when NONGTHONSO_TRUSTED_PROXY is set)
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# Whom to call, on the lockout and error pages: e.g. «Văn phòng Điều phối NTM tỉnh, 0208 3 855 123»
SUPPORT_CONTACT = os.environ.get("NONGTHONSO_SUPPORT_CONTACT", "").strip()

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# Front-end packages come from npm (package.json + package-lock.json, `npm ci` in `make install`) and are
# served by the app itself through WhiteNoise: nothing is fetched from the internet at run time.
# The province this installation serves: the unit the dashboards and reports open on (the as-of date defaults to
# today, in TIME_ZONE).
HOME_PROVINCE = os.environ.get("NONGTHONSO_HOME_PROVINCE", "19").strip() or "19"
# How the report tables of a two-tier province group its communes (units.groupings): huyen-cu | nhom-xa.
NONGTHONSO_REPORT_GROUPING = os.environ.get("NONGTHONSO_REPORT_GROUPING", "huyen-cu").strip() or "huyen-cu"

NODE_MODULES = Path(os.environ.get("NONGTHONSO_NODE_MODULES", BASE_DIR.parents[1] / "node_modules"))
STATICFILES_DIRS = [
    (prefix, NODE_MODULES / package)
    for prefix, package in (("vendor/htmx", "htmx.org/dist"), ("vendor/chartjs", "chart.js/dist"),
                              ("vendor/idb-keyval", "idb-keyval/dist"), ("vendor/leaflet", "leaflet/dist"))
    if (NODE_MODULES / package).is_dir()
]
# Content-Security-Policy (django-csp) on every response: scripts, styles, images and fonts from this site only
# (htmx and Chart.js are served by the app), no inline script or style unless it carries the request's nonce
# (``request.csp_nonce``), no plugins, no framing, forms post to this site only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# API tokens (api.models.ApiToken) expire this many days after they are issued (``api_token --days`` for another).
API_TOKEN_DAYS = int(os.environ.get("NONGTHONSO_API_TOKEN_DAYS") or 90)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
SESSION_COOKIE_HTTPONLY = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from the finders in development

# E-mail (notifications of workflow steps): the console in development, SMTP in production; see docs/operations.md.
# Links in the e-mails start with NONGTHONSO_SITE_URL.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _flag("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT") or 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "Nông thôn số <no-reply@localhost>"
SITE_URL = (os.environ.get("NONGTHONSO_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

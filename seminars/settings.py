"""Settings for the seminars site, read from the environment (and a `.env` file if present).

Every variable is documented in the README's configuration table.
"""

import datetime as dt
import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Values already in the environment win over the file.
environ.Env.read_env(os.environ.get("ENV_FILE", BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-development-only-key"
elif not SECRET_KEY:
    _missing = (
        "SECRET_KEY is not set: put SECRET_KEY=... in the environment or in .env "
        "(or DEBUG=1 for development)"
    )
    raise ImproperlyConfigured(_missing)  # manage.py prints it as one line

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS. Off in development, on by default in production.
# Behind a proxy that terminates TLS: the header it sets on HTTPS requests, "Name: value"
# (the value defaults to https). Only set it when the proxy overwrites that header.
_proxy_header, _, _proxy_value = env("SECURE_PROXY_SSL_HEADER", default="").partition(":")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_header.strip().upper().replace("-", "_"), _proxy_value.strip() or "https")
    if _proxy_header.strip()
    else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers and uptime checks probe over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is for a whole registrable domain, submitted by hand to the browsers' list;
    # a seminar site usually lives on a department's subdomain, so it is opt-in.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)

# Headers on every response (SecurityMiddleware, XFrameOptionsMiddleware, and ours for the
# policy, which reads the same setting as Django 6.0's own Content-Security-Policy).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only the site's own files. The admin needs `connect-src` for its autocomplete fields;
# JSON-LD in <script type="application/ld+json"> is data, not run, so needs no allowance.
SECURE_CSP = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "simple_history",  # the history of each talk (seminars/history.py)
    # Before django_tasks_db: its `manage.py db_worker` is the project's (which starts the
    # email runs, then is django_tasks_db's).
    "seminars",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # The header middleware comes before whitenoise, so static files get the headers too.
    "django.middleware.security.SecurityMiddleware",
    "seminars.security.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Feeds the cache holds, answered as whitenoise answers static files (feeds/fast.py).
    "seminars.feeds.fast.CachedFeedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The visitor's time zone (the `tz` cookie or `?tz=`) for the view; see seminars/zones.py.
    "seminars.zones.ZoneMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who made a change, for the talks' history (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# Background tasks (seminars/tasks.py) are rows in the site's own database; `manage.py
# db_worker` runs them (see the README's "Deploying"). Django 6 ships the same API as
# django.tasks.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

ROOT_URLCONF = "seminars.urls"
WSGI_APPLICATION = "seminars.wsgi.application"

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
                "seminars.context_processors.site",
                "seminars.mail.context_processors.offered",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so two concurrent imports queue up
    # instead of failing with "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    # Write-ahead logging: pages and the admin's reads go on while an import writes, and a
    # big import's transaction never locks readers out (the rollback journal's exclusive
    # lock did, once the transaction outgrew the page cache).
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # (Persistent connections, for either database: below.)
    # An unreachable server fails a request (and /healthz) in seconds (libpq's least is 2).
    _options.setdefault("connect_timeout", 3)
    # Served requests only: a locked table then fails a request before gunicorn's timeout
    # (30 s) kills the worker. Commands may wait longer: migrate, or an import waiting for
    # another to release its source. Settings load inside seminars.wsgi (or asgi) when served.
    _statement_timeout = env.float("DATABASE_STATEMENT_TIMEOUT", default=10)
    if _statement_timeout > 0 and {"seminars.wsgi", "seminars.asgi"} & sys.modules.keys():
        _options["options"] = " ".join(
            [_options.get("options", ""), f"-c statement_timeout={_statement_timeout * 1000:.0f}"]
        ).strip()
# A connection kept for CONN_MAX_AGE seconds rather than one opened per request: a cached
# page or feed costs one short query, and opening SQLite (its WAL pragma, our functions) or
# a PostgreSQL session cost several times that. Checked before reuse, so a server restarted
# meanwhile costs one reconnect, not an error.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# One cache per process by default; several app servers share one Redis, e.g.
# CACHE_URL=redis://127.0.0.1:6379/1.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Pages serve uncached while Redis is down rather than fail (seminars/cache_backend.py),
    # and a Redis that stops answering holds a request for a second at most.
    CACHES["default"]["BACKEND"] = "seminars.cache_backend.TolerantRedisCache"
    _options = CACHES["default"].setdefault("OPTIONS", {})
    _options.setdefault("socket_connect_timeout", 1)
    _options.setdefault("socket_timeout", 1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one username from one address lock that pair out for an hour (each
# try meanwhile starts the hour again); a login clears the count. `manage.py axes_reset` or
# `axes_reset_username NAME` unlocks sooner.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every command's output; failures and lockouts still log
AXES_COOLOFF_MESSAGE = (
    "Too many failed logins: this account is locked here for an hour. "
    "A site administrator can unlock it sooner."
)
# Behind proxies every request comes from the last one; each adds the address it saw to the end
# of X-Forwarded-For, so the client's is PROXY_COUNT entries from the end.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "seminars.security.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
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

SITE_NAME = env("SITE_NAME", default="Seminars")
# Branding: a logo (a static file or a path on this site), an accent palette by name (one of
# seminars.context_processors.ACCENTS) and a line of plain text at the foot of every page.
SITE_LOGO = env("SITE_LOGO", default="")
SITE_ACCENT = env("SITE_ACCENT", default="blue")
SITE_FOOTER = env("SITE_FOOTER", default="")
# Domain part of the iCalendar UIDs of talks created here; keep it the same forever.
UID_DOMAIN = env("UID_DOMAIN", default="seminars.localhost")
# Calendar URLs added in the admin are fetched only from public addresses; hosts named here
# (exact names, e.g. an internal calendar server) are allowed anyway.
IMPORT_ALLOWED_HOSTS = env.list("IMPORT_ALLOWED_HOSTS", default=[])
# The largest calendar an organiser may upload or add as a URL in the admin.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# The most events a calendar imported from the admin may hold (recurring ones counted per
# occurrence): a request must end in time and in bounded memory. The command has no limit.
IMPORT_MAX_EVENTS = env.int("IMPORT_MAX_EVENTS", default=10_000)

# Logs go to standard output, one JSON object per line for whatever collects the server's
# output (plain text for a person when DEBUG is on). Django's request errors go there too:
# 4xx as warnings, 5xx as errors with the traceback.
LOG_LEVEL = env("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "seminars.logs.JSONFormatter"},
        "text": {"format": "%(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "text" if DEBUG else "json",
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    # Replace Django's own handlers (console when DEBUG, mail_admins) with the one above.
    "loggers": {"django": {"handlers": [], "level": LOG_LEVEL, "propagate": True}},
}

# Email (seminars/mail/): EMAIL_URL as django-environ reads it, e.g. smtp+tls://user:pass@host:587.
# Development prints emails to the terminal; production without EMAIL_URL offers no email.
# (Not kept as a setting of its own: it holds the password, which error pages must not show.)
_email_url = env("EMAIL_URL", default="")
EMAIL_OFFERED = bool(_email_url) or DEBUG
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update({name: value for name, value in _email.items() if value is not None})
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="seminars@localhost")
# The scheme and host emails link to, e.g. https://talks.example.org (required with EMAIL_URL).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if _email_url and not SITE_URL:
    raise ImproperlyConfigured("EMAIL_URL is set but SITE_URL is not: emails need absolute links")
# Uploaded files (a talk's slides, seminars/materials.py): in the default storage, MEDIA_ROOT
# unless STORAGES["default"] names another (see the README for S3); served by the site.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Online talks (seminars/joining.py): minutes before the start a "shortly before" talk's join
# link appears, when its series and the talk give none.
JOIN_LINK_REVEAL_MINUTES = env.int("JOIN_LINK_REVEAL_MINUTES", default=15)
if not 0 <= JOIN_LINK_REVEAL_MINUTES <= 24 * 60:
    raise ImproperlyConfigured(
        f"JOIN_LINK_REVEAL_MINUTES is {JOIN_LINK_REVEAL_MINUTES}: give minutes from 0 to 1440"
    )
REMINDER_HOURS = env.float("REMINDER_HOURS", default=24)
# Seconds between two of the background worker's runs of send_due (seminars/mail/tasks.py).
SEND_EMAIL_EVERY = env.int("SEND_EMAIL_EVERY", default=60)
if SEND_EMAIL_EVERY < 1:
    raise ImproperlyConfigured(f"SEND_EMAIL_EVERY is {SEND_EMAIL_EVERY}: give seconds, 1 or more")
# The weekly digest goes out from DIGEST_WEEKDAY (0 = Monday … 6 = Sunday, or the day's name,
# "monday" or "mon") at DIGEST_HOUR (0–23), both in TIME_ZONE.
_day_names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_weekday = env.str("DIGEST_WEEKDAY", default="0").strip().lower()
_named = [n for n, day in enumerate(_day_names) if len(_weekday) >= 3 and day.startswith(_weekday)]
if _weekday in {str(n) for n in range(7)}:
    DIGEST_WEEKDAY = int(_weekday)
elif _named:
    DIGEST_WEEKDAY = _named[0]
else:
    raise ImproperlyConfigured(
        f"DIGEST_WEEKDAY is {_weekday!r}: give 0 (Monday) to 6 (Sunday), or a day's name"
    )
DIGEST_HOUR = env.int("DIGEST_HOUR", default=7)
if not 0 <= DIGEST_HOUR <= 23:
    raise ImproperlyConfigured(f"DIGEST_HOUR is {DIGEST_HOUR}: give an hour from 0 to 23")
# An invitation to organise a series (seminars/invitations/) works this many days after its
# email is sent.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
if INVITATION_DAYS < 1:
    raise ImproperlyConfigured(f"INVITATION_DAYS is {INVITATION_DAYS}: give 1 day or more")
# URLs in one sitemap file (seminars/sitemaps.py): beyond it /sitemap.xml becomes an index of
# paged sitemaps. The protocol allows at most 50,000 URLs in a file and 50,000 files in an
# index: from 1,000 up, an index has room for 50 million URLs.
SITEMAP_MAX_URLS = env.int("SITEMAP_MAX_URLS", default=50_000)
if not 1000 <= SITEMAP_MAX_URLS <= 50_000:
    raise ImproperlyConfigured(
        f"SITEMAP_MAX_URLS is {SITEMAP_MAX_URLS}: give 1000 to 50000 (the sitemap protocol "
        "allows 50,000)"
    )

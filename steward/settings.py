"""Steward settings: one module, configured by environment variables (12-factor).

Development needs nothing set. Production (STEWARD_ENV=production) refuses to start
without SECRET_KEY and a key-encryption key, because both protect report content.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from steward.core import devserver
from steward.core.private_files import private_dir, private_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STEWARD_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


PRODUCTION = env_str("STEWARD_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when STEWARD_ENV=production")
    SECRET_KEY = "steward-development-only-secret-key-not-for-production-use-0123456789"  # noqa: S105  # nosec B105

# Key-encryption key (a Tink AEAD keyset in JSON) that wraps every per-case data key.
STEWARD_KEK = env_str("STEWARD_KEK")
STEWARD_KEK_FILE = env_str("STEWARD_KEK_FILE")
# Key for keyed hashes: receipt codes and form tokens (never rotated), and version 1 of the blind indexes.
STEWARD_INDEX_KEY = env_str("STEWARD_INDEX_KEY")
# Blind-index keys by version, current first ("2:<base64> 1"); empty means version 1 only (see core.crypto).
STEWARD_BLIND_INDEX_KEYS = env_str("STEWARD_BLIND_INDEX_KEYS")
if PRODUCTION and not (STEWARD_KEK or STEWARD_KEK_FILE):
    raise ImproperlyConfigured("STEWARD_KEK or STEWARD_KEK_FILE must be set when STEWARD_ENV=production")
if PRODUCTION and not STEWARD_INDEX_KEY:
    raise ImproperlyConfigured("STEWARD_INDEX_KEY must be set when STEWARD_ENV=production")
if not (STEWARD_KEK or STEWARD_KEK_FILE):
    STEWARD_KEK_FILE = str(VAR_DIR / "dev-kek.json")  # created on first use, development only
# Ed25519 keyset (Tink JSON) that signs the audit log's checkpoints; kept apart from the database.
STEWARD_AUDIT_SIGNING_KEY = env_str("STEWARD_AUDIT_SIGNING_KEY")
STEWARD_AUDIT_SIGNING_KEY_FILE = env_str("STEWARD_AUDIT_SIGNING_KEY_FILE")
if PRODUCTION and not (STEWARD_AUDIT_SIGNING_KEY or STEWARD_AUDIT_SIGNING_KEY_FILE):
    raise ImproperlyConfigured(
        "STEWARD_AUDIT_SIGNING_KEY or STEWARD_AUDIT_SIGNING_KEY_FILE must be set when STEWARD_ENV=production")
if not (STEWARD_AUDIT_SIGNING_KEY or STEWARD_AUDIT_SIGNING_KEY_FILE):
    STEWARD_AUDIT_SIGNING_KEY_FILE = str(VAR_DIR / "dev-audit-signing-key.json")  # created on first use, development only

# Where `make run` listens (bin/run); in development the links in emails and the printed logins follow it.
STEWARD_ADDR = env_str("STEWARD_ADDR") or devserver.DEFAULT_ADDR
try:
    _dev_url, _dev_host = devserver.base_url(STEWARD_ADDR), devserver.allowed_host(STEWARD_ADDR)
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from None
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else list(dict.fromkeys(["127.0.0.1", "localhost", "testserver", _dev_host])))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
STEWARD_BASE_URL = env_str("STEWARD_BASE_URL") or ("http://127.0.0.1:8000" if PRODUCTION else _dev_url)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    "drf_spectacular",
    "steward.core",
    "steward.registry",
    "steward.policy",
    "steward.staff",
    "steward.cases",
    "steward.reports",
    "steward.training",
    "steward.decisions",
    "steward.retention",
    "steward.enforcement",
    "steward.demo",
]

# The API (steward.core.api): scoped tokens only, JSON only (no browsable pages), one error shape.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["steward.core.api.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["steward.core.api.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "steward.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_METADATA_CLASS": None,  # no OPTIONS self-description: the schema describes the API
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Steward API",
    "DESCRIPTION": "Submit reports, follow them up with a receipt code, and read cases with a staff member's need to know.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "steward.core.i18n.LanguageFromQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "steward.core.middleware.StaffOnlyMiddleware",
    "steward.core.middleware.StaffSessionMiddleware",
    "steward.core.middleware.StaffMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "steward.core.middleware.NoStoreMiddleware",
    # Last, so it is the first to see a view's exception: access refusals become 404 / 403.
    "steward.core.middleware.AccessRefusalMiddleware",
]

ROOT_URLCONF = "steward.urls"
FORM_RENDERER = "steward.core.forms.FormRenderer"
WSGI_APPLICATION = "steward.wsgi.application"
ASGI_APPLICATION = "steward.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "steward" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "steward.core.context_processors.organisation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'steward.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _sqlite = str(DATABASES["default"]["NAME"])
    if _sqlite != ":memory:" and not _sqlite.startswith("file:"):
        # Created 0600 in a 0700 directory; SQLite gives its -wal and -shm files the same mode.
        private_dir(Path(_sqlite).parent, tighten=Path(_sqlite).parent == VAR_DIR)
        for _file in (_sqlite, f"{_sqlite}-wal", f"{_sqlite}-shm"):
            if _file == _sqlite or Path(_file).exists():
                private_file(Path(_file))
    # WAL and a busy timeout let the web server and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "steward"}
    )
}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Seconds a login or re-authentication counts as recent for sensitive actions
# (deciding, exporting, erasing): see steward.core.reauth.sensitive_action.
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("STEWARD_REAUTH_SECONDS", 300)
LOGIN_URL = "staff:login"  # /staff/login/, which sends the visitor on to allauth's /staff/accounts/login/
LOGIN_REDIRECT_URL = "staff:home"  # the first page the staff member's roles open
LOGOUT_REDIRECT_URL = "account_login"

# Staff accounts (django-allauth). Administrators invite them (/staff/people/ or manage.py create_staff);
# nobody signs up. Staff sign in with username and password, then a second factor.
ACCOUNT_ADAPTER = "steward.core.adapters.StaffAccountAdapter"
SOCIALACCOUNT_ADAPTER = "steward.core.adapters.StaffSocialAccountAdapter"
MFA_ADAPTER = "steward.core.adapters.StaffMFAAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # administrators enter staff addresses; SSO matches verified ones only
ACCOUNT_SESSION_REMEMBER = False  # staff sessions end when the browser closes
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Lock-out: failed sign-ins (wrong passwords and wrong second-factor codes) per account (key)
# and per address, counted in the shared cache.
STEWARD_LOGIN_FAILURES = env_int("STEWARD_LOGIN_FAILURES", 5)
STEWARD_LOGIN_LOCKOUT = env_str("STEWARD_LOGIN_LOCKOUT", "15m")
ACCOUNT_RATE_LIMITS = {  # nosec B105  # rate limits for the password actions, not passwords
    "login_failed": f"{4 * STEWARD_LOGIN_FAILURES}/{STEWARD_LOGIN_LOCKOUT}/ip,"
                    f"{STEWARD_LOGIN_FAILURES}/{STEWARD_LOGIN_LOCKOUT}/key",
    "login": "30/m/ip",
    "reset_password": "5/m/ip,3/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# The setup page keeps one sealed secret per setup instead of a new one on every reload.
MFA_FORMS = {"activate_totp": "steward.core.mfa_setup.StaffActivateTOTPForm"}
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION  # passkeys on http://127.0.0.1 in development
MFA_TOTP_ISSUER = env_str("STEWARD_ORGANISATION_NAME", "Example Open Source Foundation")
# Staff without a second factor are sent to set one up (steward.core.middleware.StaffMFAMiddleware).
# An idle staff session ends after STEWARD_IDLE_TIMEOUT_SECONDS; any session after SESSION_COOKIE_AGE.
STEWARD_IDLE_TIMEOUT_SECONDS = env_int("STEWARD_IDLE_TIMEOUT_SECONDS", 1800)


def oidc_apps(environ: dict[str, str]) -> list[dict[str, object]]:
    """Single sign-on through one OpenID Connect provider, when the environment names one."""
    server_url = environ.get("STEWARD_OIDC_SERVER_URL", "")
    client_id = environ.get("STEWARD_OIDC_CLIENT_ID", "")
    if not (server_url and client_id):
        return []
    return [{
        "provider_id": environ.get("STEWARD_OIDC_PROVIDER_ID", "") or "sso",
        "name": environ.get("STEWARD_OIDC_NAME", "") or "Single sign-on",
        "client_id": client_id,
        "secret": environ.get("STEWARD_OIDC_CLIENT_SECRET", ""),
        "settings": {"server_url": server_url, "oauth_pkce_enabled": True},
    }]


SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": oidc_apps(dict(os.environ))}}
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # Steward's adapter connects verified addresses of active staff only
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
# Whether a sign-in through the identity provider counts as the second factor (its own MFA):
# then SSO staff are not made to enrol a Steward factor. Those who have one are still asked for it.
STEWARD_OIDC_TRUST_MFA = env_bool("STEWARD_OIDC_TRUST_MFA", False)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
# Not "no-referrer": browsers then send "Origin: null" with form posts and CSRF rejects them.
# "same-origin" still never tells another site where a visitor came from.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "connect-src": [CSP.SELF],
}

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ar", "العربية"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("hi", "हिन्दी"),
    ("id", "Bahasa Indonesia"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("ms", "Bahasa Melayu"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("pt-br", "Português (Brasil)"),
    ("ru", "Русский"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
]
# Reporter pages, emails and guidelines exist in every language above; the staff
# interface is complete in these (elsewhere untranslated staff strings show in English).
STEWARD_FULL_LANGUAGES = ["en", "ar", "de", "es", "fr"]
LANGUAGE_COOKIE_NAME = "steward_language"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LOCALE_PATHS = [BASE_DIR / "steward" / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "steward" / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION  # production serves what collectstatic gathered
# Evidence files are encrypted (Tink streaming AEAD) before they reach a storage, and only ever served
# through an access-checked view. "evidence" and "held" (files of a form sent back for a correction) are
# folders of MEDIA_ROOT by default, or an S3-compatible object store (docs/operator-guide.md, Evidence storage).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STEWARD_STORAGE = env_str("STEWARD_STORAGE", "filesystem")
if STEWARD_STORAGE == "filesystem":
    _evidence_storage: dict[str, object] = {"BACKEND": "steward.core.storage.PrivateFileSystemStorage",
                                            "OPTIONS": {"folder": "evidence"}}
    _held_storage: dict[str, object] = {"BACKEND": "steward.core.storage.PrivateFileSystemStorage",
                                        "OPTIONS": {"folder": "held"}}
elif STEWARD_STORAGE == "s3":
    if not env_str("STEWARD_S3_BUCKET"):
        raise ImproperlyConfigured("STEWARD_S3_BUCKET must be set when STEWARD_STORAGE=s3")
    if env_str("STEWARD_S3_ADDRESSING_STYLE") not in {"", "auto", "path", "virtual"}:
        raise ImproperlyConfigured("STEWARD_S3_ADDRESSING_STYLE must be auto, path or virtual")
    _prefix = env_str("STEWARD_S3_PREFIX").strip("/")
    _s3 = {
        "bucket_name": env_str("STEWARD_S3_BUCKET"),
        "endpoint_url": env_str("STEWARD_S3_ENDPOINT_URL") or None,
        "region_name": env_str("STEWARD_S3_REGION") or None,
        # Unset: boto3 finds credentials itself (instance role, AWS_* variables, ~/.aws).
        "access_key": env_str("STEWARD_S3_ACCESS_KEY_ID") or None,
        "secret_key": env_str("STEWARD_S3_SECRET_ACCESS_KEY") or None,
        "addressing_style": env_str("STEWARD_S3_ADDRESSING_STYLE") or None,
        "signature_version": "s3v4",
    }
    _evidence_storage = {"BACKEND": "steward.core.s3_storage.StreamingS3Storage",
                         "OPTIONS": {**_s3, "location": "/".join(filter(None, [_prefix, "evidence"]))}}
    _held_storage = {"BACKEND": "steward.core.s3_storage.StreamingS3Storage",
                     "OPTIONS": {**_s3, "location": "/".join(filter(None, [_prefix, "held"]))}}
else:
    raise ImproperlyConfigured(f"STEWARD_STORAGE must be filesystem or s3, not {STEWARD_STORAGE!r}")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": _evidence_storage,
    "held": _held_storage,
}

EMAIL_BACKEND_NAME = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION
                             else "django.core.mail.backends.console.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_NAME,
        "OPTIONS": {
            "host": env_str("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 25),
            "username": env_str("EMAIL_HOST_USER"),
            "password": env_str("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS"),
            "timeout": env_int("EMAIL_TIMEOUT", 30),
        } if EMAIL_BACKEND_NAME.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Steward <conduct@example.org>")

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploads are encrypted under a key that lives only in the request's memory while they arrive; past
# FILE_UPLOAD_MAX_MEMORY_SIZE the ciphertext spills to a temporary file, never the plaintext.
FILE_UPLOAD_HANDLERS = ["steward.core.upload_handlers.EncryptedUploadHandler"]

# The organisation's own promises, shown to reporters and used for SLA clocks.
STEWARD_ORGANISATION_NAME = env_str("STEWARD_ORGANISATION_NAME", "Example Open Source Foundation")
STEWARD_CONTACT_EMAIL = env_str("STEWARD_CONTACT_EMAIL", "conduct@example.org")
STEWARD_ACK_HOURS = env_int("STEWARD_ACK_HOURS", 24)
STEWARD_FIRST_RESPONSE_DAYS = env_int("STEWARD_FIRST_RESPONSE_DAYS", 3)
STEWARD_SLA_HOURS = {
    "P1": env_int("STEWARD_SLA_P1_HOURS", 1),
    "P2": env_int("STEWARD_SLA_P2_HOURS", 24),
    "P3": env_int("STEWARD_SLA_P3_HOURS", 72),
    "P4": env_int("STEWARD_SLA_P4_HOURS", 168),
}
# Languages the code of conduct can be translated into (more than the interface has yet).
STEWARD_GUIDELINE_LOCALES = env_list("STEWARD_GUIDELINE_LOCALES", [
    "ar", "de", "es-ES", "fr", "hi-IN", "id", "it", "ja", "ms", "nl", "pl", "pt-BR", "ru", "zh-CN", "zh-TW",
])
STEWARD_SECURITY_EMAIL = env_str("STEWARD_SECURITY_EMAIL", "security@example.org")
# The outbox (steward/core/outbox.py, docs/operator-guide.md "The worker"): a failed send is retried
# after about RETRY_SECONDS, doubling up to RETRY_MAX_SECONDS, MAX_ATTEMPTS times in all. A worker owns a
# message it is sending for LEASE_SECONDS (longer than EMAIL_TIMEOUT); one waiting STUCK_SECONDS past its
# time is listed on /staff/deliveries/.
STEWARD_OUTBOX_RETRY_SECONDS = env_int("STEWARD_OUTBOX_RETRY_SECONDS", 30)
STEWARD_OUTBOX_RETRY_MAX_SECONDS = env_int("STEWARD_OUTBOX_RETRY_MAX_SECONDS", 6 * 3600)
STEWARD_OUTBOX_MAX_ATTEMPTS = env_int("STEWARD_OUTBOX_MAX_ATTEMPTS", 10)
STEWARD_OUTBOX_LEASE_SECONDS = env_int("STEWARD_OUTBOX_LEASE_SECONDS", 300)
# Enforcement: how many systems a worker acts on at once (one thread each), how long a rollout
# waits for the email telling the person before revoking access anyway, and when it looks again
# for new accounts of the person.
STEWARD_ROLLOUT_SYSTEMS_AT_ONCE = env_int("STEWARD_ROLLOUT_SYSTEMS_AT_ONCE", 8)
STEWARD_ROLLOUT_TELL_FIRST_MINUTES = env_int("STEWARD_ROLLOUT_TELL_FIRST_MINUTES", 15)
STEWARD_ROLLOUT_FOLLOW_UP_DAYS = env_int("STEWARD_ROLLOUT_FOLLOW_UP_DAYS", 7)
STEWARD_OUTBOX_STUCK_SECONDS = env_int("STEWARD_OUTBOX_STUCK_SECONDS", 900)
# The registry (docs/operator-guide.md, "Registry and screening"): a violation record stops counting
# this many years after its sanction ends (a permanent ban always counts); screening uploads are
# refused past these sizes.
STEWARD_RECORD_COUNTS_YEARS = env_int("STEWARD_RECORD_COUNTS_YEARS", 5)
STEWARD_SCREENING_MAX_BYTES = env_int("STEWARD_SCREENING_MAX_BYTES", 5 * 1024 * 1024)
STEWARD_SCREENING_MAX_ROWS = env_int("STEWARD_SCREENING_MAX_ROWS", 20_000)
# Retention of closed cases by outcome, then a scheduled purge erases them (docs/operator-guide.md, Retention).
STEWARD_RETENTION_NO_VIOLATION_DAYS = env_int("STEWARD_RETENTION_NO_VIOLATION_DAYS", 180)
STEWARD_RETENTION_RESOLVED_DAYS = env_int("STEWARD_RETENTION_RESOLVED_DAYS", 730)  # correction, warning
STEWARD_RETENTION_BAN_YEARS_AFTER = env_int("STEWARD_RETENTION_BAN_YEARS_AFTER", 3)  # after a temporary ban ends
STEWARD_RETENTION_UNDECIDED_CLOSED_DAYS = env_int("STEWARD_RETENTION_UNDECIDED_CLOSED_DAYS", 365)
STEWARD_RETENTION_PURGE_HOUR = env_int("STEWARD_RETENTION_PURGE_HOUR", 3)
STEWARD_EVIDENCE_MAX_BYTES = env_int("STEWARD_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
STEWARD_EVIDENCE_MAX_FILES = env_int("STEWARD_EVIDENCE_MAX_FILES", 5)
# Width × height, read from an image's header before it is decoded; 50 MP takes a 48-megapixel phone photo.
STEWARD_EVIDENCE_MAX_PIXELS = env_int("STEWARD_EVIDENCE_MAX_PIXELS", 50_000_000)
# Anonymous endpoints: attempts allowed per client address per window.
STEWARD_INTAKE_RATE = (env_int("STEWARD_INTAKE_RATE_COUNT", 10), env_int("STEWARD_INTAKE_RATE_SECONDS", 3600))
STEWARD_FOLLOWUP_RATE = (env_int("STEWARD_FOLLOWUP_RATE_COUNT", 10), env_int("STEWARD_FOLLOWUP_RATE_SECONDS", 900))
STEWARD_REPLY_RATE = (env_int("STEWARD_REPLY_RATE_COUNT", 20), env_int("STEWARD_REPLY_RATE_SECONDS", 3600))
# Return after a temporary ban (steward/decisions/returns.py): the invitation to onboarding goes out
# RETURN_INVITE_DAYS before the end; its link works for RETURN_LINK_DAYS; the case's handler checks in
# CHECK_IN_MONTHS after the return; the daily job runs at RETURNS_HOUR.
STEWARD_RETURN_INVITE_DAYS = env_int("STEWARD_RETURN_INVITE_DAYS", 7)
STEWARD_RETURN_LINK_DAYS = env_int("STEWARD_RETURN_LINK_DAYS", 60)
STEWARD_CHECK_IN_MONTHS = [int(months) for months in env_list("STEWARD_CHECK_IN_MONTHS", ["1", "3"])]
STEWARD_RETURNS_HOUR = env_int("STEWARD_RETURNS_HOUR", 4)
# Appeals: a decision may be appealed for this many days after the day it was taken (shown to both sides).
STEWARD_APPEAL_DAYS = env_int("STEWARD_APPEAL_DAYS", 20)
STEWARD_APPEAL_RATE = (env_int("STEWARD_APPEAL_RATE_COUNT", 10), env_int("STEWARD_APPEAL_RATE_SECONDS", 3600))
# Training certificates (steward/training/certificates.py): Unicode TTF/OTF/TTC fonts, the first the main
# one and the others fallbacks for the scripts it lacks; those not found on the machine are skipped.
STEWARD_CERTIFICATE_FONTS = env_list("STEWARD_CERTIFICATE_FONTS", [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansHebrew-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
])
# Reverse proxies in front of Steward that append the client address to X-Forwarded-For.
# 0: the header is ignored and REMOTE_ADDR is the client (steward.core.http.client_address).
STEWARD_TRUSTED_PROXIES = env_int("STEWARD_TRUSTED_PROXIES", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = STEWARD_TRUSTED_PROXIES  # the sign-in lock-out counts the same address

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused page (403, 404) is one line with its path, never a traceback.
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refusals_on_one_line"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Request bodies never reach the logs; Django's request logger prints only the path.
    "filters": {"no_template_context": {"()": "steward.core.reporting.NoTemplateContext"},
                "refusals_on_one_line": {"()": "steward.core.reporting.RefusalsOnOneLine"}},
    "loggers": {
        "django.security.DisallowedHost": {"handlers": [], "propagate": False},
        # At DEBUG this logger would print whole template contexts (receipt codes, report text).
        "django.template": {"filters": ["no_template_context"]},
        # fontTools (certificates) logs every font subset it makes at INFO.
        "fontTools": {"level": "WARNING"},
    },
}
# Error reports (admin emails, error trackers) show no posted value, file name or local variable.
DEFAULT_EXCEPTION_REPORTER = "steward.core.reporting.ContentFreeExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "steward.core.reporting.ContentFreeExceptionReporterFilter"

# Appears in page titles; translated.
STEWARD_PRODUCT_NAME = _("Steward")

# Training (steward/training/assignments.py, sign_in.py): learners are reminded REMIND_DAYS before an
# assignment is due (overdue ones are escalated to the manager once), and EXPIRY_REMINDER_DAYS before a
# completion expires; an expired or outdated completion is assigned again, due RENEWAL_DUE_DAYS later.
# The rules are evaluated every EVALUATE_SECONDS. A learner's emailed sign-in code and link work for
# SIGN_IN_MINUTES and the code for SIGN_IN_TRIES tries; SIGN_IN_RATE limits the requests per address.
STEWARD_TRAINING_REMIND_DAYS = env_int("STEWARD_TRAINING_REMIND_DAYS", 7)
STEWARD_TRAINING_EXPIRY_REMINDER_DAYS = env_int("STEWARD_TRAINING_EXPIRY_REMINDER_DAYS", 30)
STEWARD_TRAINING_RENEWAL_DUE_DAYS = env_int("STEWARD_TRAINING_RENEWAL_DUE_DAYS", 30)
STEWARD_TRAINING_EVALUATE_SECONDS = env_int("STEWARD_TRAINING_EVALUATE_SECONDS", 3600)
STEWARD_TRAINING_SIGN_IN_MINUTES = env_int("STEWARD_TRAINING_SIGN_IN_MINUTES", 15)
STEWARD_TRAINING_SIGN_IN_TRIES = env_int("STEWARD_TRAINING_SIGN_IN_TRIES", 5)
STEWARD_TRAINING_SIGN_IN_RATE = (env_int("STEWARD_TRAINING_SIGN_IN_RATE_COUNT", 10),
                                 env_int("STEWARD_TRAINING_SIGN_IN_RATE_SECONDS", 900))

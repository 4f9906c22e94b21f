"""Configuration classes; every setting comes from an environment variable."""

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"
# The development key: fine on a laptop, refused by production.
DEV_SECRET_KEY = "dev-insecure-secret-key"
SECRET_KEY_MESSAGE = (
    "SECRET_KEY is not set: production needs a random SECRET_KEY of at least 16 characters "
    "(python -c 'import secrets; print(secrets.token_hex(32))')."
)


def _database_url(default: str) -> str:
    """Return DATABASE_URL, normalising postgres:// to the psycopg 3 driver."""
    url = os.environ.get("DATABASE_URL", default)
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE / 'ambassador.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAIL_URL = os.environ.get("MAIL_URL", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Ambassador <no-reply@localhost>")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis away: every limit keeps counting in each web process's memory (one logged
    # warning), so login stays limited and pages keep being served; Redis is tried again
    # with a growing pause and takes over when it answers (README: "When Redis is down").
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_RESET = "5 per minute;20 per hour"
    # Failed logins per account (normalised email), whatever the address they come from.
    RATELIMIT_LOGIN_ACCOUNT = os.environ.get("LOGIN_ACCOUNT_LIMIT", "10 per hour")
    # Password-reset mails one account can be sent per hour; further requests send nothing.
    RESET_MAILS_PER_HOUR = int(os.environ.get("RESET_MAILS_PER_HOUR", "3"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 64 * 1024 * 1024))
    API_MAX_BODY = 2 * 1024 * 1024
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    # No session outlives 30 days after login; "Remember me" keeps it across browser restarts.
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    # A session ends after this long without a request (staff always, promoters without
    # "Remember me"); promoters who ticked "Remember me" stay in for REMEMBER_ME_DAYS idle.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
    REMEMBER_ME_DAYS = min(int(os.environ.get("REMEMBER_ME_DAYS", "14")), 30)
    WTF_CSRF_TIME_LIMIT = None
    PASSWORD_RESET_HOURS = 1
    INVITATION_DAYS = 14
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
    # How long a worker's claim on a message lasts before another worker may take it over
    # (the recovery of a worker that died mid-batch).
    OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", "600"))
    # The worker's daily purge keeps the bodies of delivered mail this many days.
    OUTBOX_PURGE_DAYS = int(os.environ.get("OUTBOX_PURGE_DAYS", "30"))
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "20"))
    # Development convenience: deliver right after the commit that queued the mail
    # (default: only with MAIL_URL unset and the console echo on).
    OUTBOX_DELIVER_ON_COMMIT = os.environ.get("OUTBOX_DELIVER_ON_COMMIT")
    INSTANCE_PATH = str(INSTANCE)
    MAIL_DEV_DIR = str(INSTANCE / "mail")
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    MAIL_ECHO = True
    # Markdown written by people may show images from other sites (off: links only).
    # How long each web process reuses a widget's JSON (also its public max-age).
    WIDGET_CACHE_SECONDS = int(os.environ.get("WIDGET_CACHE_SECONDS", "60"))
    MARKDOWN_REMOTE_IMAGES = os.environ.get("MARKDOWN_REMOTE_IMAGES", "") in ("1", "true")
    # Seconds each outbound webhook request may take (connect and answer).
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
    # Webhooks reach public internet addresses only; these host names, addresses and
    # networks (comma-separated: "hooks.corp.example, 10.1.2.0/24") may be internal.
    WEBHOOK_INTERNAL_HOSTS = os.environ.get("WEBHOOK_INTERNAL_HOSTS", "")
    # The background task queue (ambassador/jobs.py): Redis when REDIS_URL is set, else
    # this SQLite file; JOBS_IMMEDIATE runs each job at once inside the caller (no worker).
    JOBS_NAME = os.environ.get("JOBS_NAME", "ambassador")
    JOBS_SQLITE_PATH = os.environ.get("JOBS_SQLITE_PATH", str(INSTANCE / "jobs.db"))
    JOBS_IMMEDIATE = os.environ.get("JOBS_IMMEDIATE", "").lower() in ("1", "true", "yes", "on")
    # The contact budget of every non-transactional mail (check-ins, testimonial requests,
    # program messages, digests): at most one per person every CONTACT_MIN_DAYS days and
    # CONTACT_QUARTER_CAP per calendar quarter; what it holds back waits for a later run.
    CONTACT_MIN_DAYS = int(os.environ.get("CONTACT_MIN_DAYS", "7"))
    CONTACT_QUARTER_CAP = int(os.environ.get("CONTACT_QUARTER_CAP", "4"))
    # The company the check-in mail asks about ("How likely are you to recommend …?").
    COMPANY_NAME = os.environ.get("COMPANY_NAME", "").strip()  # empty: the mails say "us"
    # Referrals: a reward stays pending this many days after the conversion (refunds,
    # cancellations), then the periodic job makes it earned.
    REFERRAL_CLAWBACK_DAYS = int(os.environ.get("REFERRAL_CLAWBACK_DAYS", "30"))
    # Friends one ambassador may invite by mail per day (across every sending).
    REFERRAL_INVITES_PER_DAY = int(os.environ.get("REFERRAL_INVITES_PER_DAY", "30"))
    # Sign-ups from one network in a day beyond which the next go to the review queue.
    REFERRAL_NETWORK_LIMIT = int(os.environ.get("REFERRAL_NETWORK_LIMIT", "5"))
    # Sign-up and invitation requests per address / per ambassador (flask-limiter syntax).
    RATELIMIT_REFERRAL_SIGNUP = os.environ.get("REFERRAL_SIGNUP_LIMIT", "10 per hour")
    RATELIMIT_REFERRAL_INVITE = "20 per hour"
    # Uploads waiting between the preview and the import, per user (older ones make room).
    IMPORT_UPLOADS_PER_USER = int(os.environ.get("IMPORT_UPLOADS_PER_USER", "5"))
    # Responses older than this many years are anonymised by `privacy retention`
    # (unset or 0: keep them as they are, for ever).
    RESPONSE_RETENTION_YEARS = int(os.environ.get("RESPONSE_RETENTION_YEARS") or 0) or None


class DevelopmentConfig(Config):
    """`make run`: SQLite in instance/, mail written to instance/mail/."""

    DEBUG = False


class TestingConfig(Config):
    """The test suite: TEST_DATABASE_URL or in-memory SQLite, no CSRF, fast hashing."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    BASE_URL = "http://ambassador.test"
    MAIL_URL = "memory://"
    MAIL_ECHO = False
    SERVER_NAME = None
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    WIDGET_CACHE_SECONDS = 0  # tests that check the cache turn it on
    JOBS_IMMEDIATE = True
    WEBHOOK_INTERNAL_HOSTS = "127.0.0.1"  # the receivers the tests start
    JOBS_NAME = "ambassador-test"


class ProductionConfig(Config):
    """gunicorn behind a proxy: PostgreSQL, SMTP, Redis; refuses an insecure secret.

    Cookies are marked Secure (and HSTS sent) whenever BASE_URL is https:// (security.py).
    """

    MAIL_ECHO = False

    # Never the development key: check() refuses to start without a real one.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")

    @classmethod
    def check(cls) -> None:
        """Fail fast with one clear line when SECRET_KEY is missing, short or the dev default."""
        key = os.environ.get("SECRET_KEY", "")
        if len(key) < 16 or key == DEV_SECRET_KEY:
            raise SystemExit(SECRET_KEY_MESSAGE)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

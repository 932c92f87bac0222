"""Configuration read from the environment (twelve-factor style)."""

from __future__ import annotations

import os
from datetime import timedelta


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def served_base_url() -> str:
    """Where printed links (set-password) point: ``PORTAL_BASE_URL``, else the address the
    portal is served on by ``make run`` — 127.0.0.1 on ``PORT`` (8000 when unset)."""
    return (os.environ.get("PORTAL_BASE_URL")
            or f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}").rstrip("/")


class Config:
    """Production defaults; every value can be overridden through the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")  # None: create_app keeps one under instance/
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite under instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # PostgreSQL: a request's statement running longer than this is cancelled (0: never).
    PORTAL_STATEMENT_TIMEOUT_MS = int(os.environ.get("PORTAL_STATEMENT_TIMEOUT_MS") or 30_000)
    PORTAL_BASE_URL = served_base_url()

    LANGUAGES = ("ru", "en")
    BABEL_DEFAULT_LOCALE = "ru"
    # The portal's time zone: "today" where no region is concerned, the default of new
    # regions (each region has its own, see Region.timezone), and the zone times are shown in.
    PORTAL_TIMEZONE = os.environ.get("PORTAL_TIMEZONE", "Europe/Moscow")
    BABEL_DEFAULT_TIMEZONE = PORTAL_TIMEZONE

    # Bootstrap and its JS are served by the portal itself: users sit in closed networks.
    BOOTSTRAP_SERVE_LOCAL = True

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_flag("PORTAL_SECURE_COOKIES")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Sessions end after this long without a request, and this long after the login at the
    # latest, whatever the activity (checked on the server, not left to the cookie).
    SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("PORTAL_SESSION_IDLE_MINUTES",
                                                                "30")))
    SESSION_MAX_AGE = timedelta(hours=int(os.environ.get("PORTAL_SESSION_MAX_HOURS", "12")))
    PERMANENT_SESSION_LIFETIME = SESSION_MAX_AGE

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    # Accounts: lock a login after this many failed attempts in a row, for this long.
    LOGIN_MAX_FAILURES = int(os.environ.get("PORTAL_LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCKOUT = timedelta(minutes=int(os.environ.get("PORTAL_LOGIN_LOCKOUT_MINUTES", "15")))
    SET_PASSWORD_LINK_MAX_AGE = timedelta(hours=int(os.environ.get("PORTAL_LINK_HOURS", "72")))
    PASSWORD_MIN_LENGTH = 10  # ASVS 2.1.1
    PASSWORD_MAX_LENGTH = 128  # ASVS 2.1.2: at least 64 allowed; bounds the hashing work


class TestConfig(Config):
    """Used by the test-suite: the database URL comes from the test set-up."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    PORTAL_BASE_URL = "http://localhost"

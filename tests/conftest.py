"""Fixtures: one app per session on a real database, a rolled-back transaction per test.

``PORTAL_TEST_DB=postgresql`` runs the same suite on a throwaway PostgreSQL cluster that
the set-up starts itself; the default is an SQLite file. Under ``CI=true`` nothing that the
suite needs may be missing: a missing server or browser fails the run instead of skipping.
"""

from __future__ import annotations

import contextvars
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app, _cv_request
from flask.testing import FlaskClient

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db
from tests.factories import Factory
from tests.pgcluster import PostgresUnavailable, ThrowawayPostgres

BACKEND = os.environ.get("PORTAL_TEST_DB", "sqlite")
os.environ["PORTAL_LOCALE"] = "ru"  # CLI messages in the default language, whatever LANG is
IN_CI = os.environ.get("CI", "").lower() == "true"
CSRF_PATTERNS = (re.compile(r'name="csrf_token"[^>]*value="([^"]+)"'),
                 re.compile(r'value="([^"]+)"[^>]*name="csrf_token"'))


def migrated_app(url: str, **settings):
    """An application on a database of its own at ``url``, migrated, outside the per-test
    rollback (CSRF off: its tests post forms directly); ``settings`` override the config."""
    from flask_migrate import upgrade

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False

    for key, value in settings.items():
        setattr(Config, key, value)
    application = create_app(Config)
    with application.app_context():
        upgrade()
        db.engine.dispose()
    return application


def missing(reason: str):
    """Skip locally when something optional is missing; fail under CI, where nothing may be."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


class SqliteDatabases:
    backend = "sqlite"

    def __init__(self, folder: Path):
        self.folder = folder

    def new_database(self, name: str) -> str:
        return f"sqlite:///{self.folder / (name + '.db')}"


class PostgresDatabases:
    backend = "postgresql"

    def __init__(self, server: ThrowawayPostgres):
        self.server = server

    def new_database(self, name: str) -> str:
        return self.server.create_database(name)


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """Hands out empty databases on the backend under test."""
    if BACKEND != "postgresql":
        yield SqliteDatabases(tmp_path_factory.mktemp("sqlite"))
        return
    try:
        server = ThrowawayPostgres().start()
    except PostgresUnavailable as exc:  # no binaries: make test installs them
        pytest.fail(f"PORTAL_TEST_DB=postgresql but {exc}", pytrace=False)
    try:
        yield PostgresDatabases(server)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def app(databases, tmp_path_factory):
    """The application on a migrated, empty database."""
    from flask_migrate import upgrade

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = databases.new_database("portal_test")

    os.environ["PORTAL_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    application = create_app(Config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
        db.engine.dispose()
    yield application
    with application.app_context():
        db.engine.dispose()  # close pooled connections before the server goes away


@pytest.fixture(scope="session")
def live_server(databases, tmp_path_factory):
    """A real gunicorn on its own database with the demo region (see tests/live.py)."""
    from tests.live import LiveServer

    server = LiveServer(databases.new_database("portal_live"),
                        tmp_path_factory.mktemp("live-instance")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def make_run_server(databases, tmp_path_factory):
    """gunicorn started as ``make run`` starts it, serving ``tests.stall_wsgi:app`` (the portal
    with a stall at the commit point for requests that ask for it), on an empty database."""
    from tests.live import LiveServer

    instance = tmp_path_factory.mktemp("make-run-instance")
    url = databases.new_database("portal_make_run")
    server = LiveServer(url, instance, make_run=True, app="tests.stall_wsgi:app", demo=False)
    server.env["PORTAL_TEST_STALL_FILE"] = str(instance / "stalled.pid")
    server.start()
    try:
        yield server, url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (its own browser downloads are not possible)."""
    executable = "/usr/bin/chromium"
    if not os.path.exists(executable):
        missing("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def database(app):
    """An app context whose sessions all run inside one transaction rolled back at the end."""
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        try:
            yield db
        finally:
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Flask reuses an app context that is already pushed (the test's), which would share
    ``g`` and the database session between requests. Pending test data is committed (to
    a savepoint of the test transaction) first, and the test's session is expired after,
    so assertions read what the request wrote.
    """

    def open(self, *args, **kwargs):
        if _cv_app.get(None) is not None:
            db.session.commit()
        context = contextvars.copy_context()
        response = context.run(self._open_in_fresh_context, *args, **kwargs)
        if _cv_app.get(None) is not None:
            db.session.expire_all()
        if response.headers.get("Content-Disposition", "").startswith("attachment"):
            # Every download of the whole suite: tenant data is never kept by a cache.
            assert response.headers.get("Cache-Control") == "private, no-store", args
        return response

    def _open_in_fresh_context(self, *args, **kwargs):
        _cv_app.set(None)
        _cv_request.set(None)
        return super().open(*args, **kwargs)

    def csrf_token(self, path: str = "/login") -> str:
        """A valid CSRF token of this client's session, read from a rendered form."""
        html = self.get(path).get_data(as_text=True)
        for pattern in CSRF_PATTERNS:
            match = pattern.search(html)
            if match:
                return match.group(1)
        raise AssertionError(f"no CSRF token on {path}")

    def login(self, user, password: str = Factory.PASSWORD):
        response = self.post("/login", data={"login": user.login, "password": password,
                                             "csrf_token": self.csrf_token("/login")})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    def post_form(self, path: str, data: dict | None = None, token_from: str = "/", **kwargs):
        """POST with a valid CSRF token taken from ``token_from``."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token(token_from))
        return self.post(path, data=payload, **kwargs)


@pytest.fixture
def client(app, database):
    return app.test_client()


@pytest.fixture
def factory(database):
    return Factory()


@pytest.fixture
def count_queries(database):
    """Context manager counting the SQL statements run inside it (savepoints excluded)."""

    @contextmanager
    def counter():
        statements: list[str] = []

        def _record(_conn, _cursor, statement, *_args):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)", statement, re.I):
                statements.append(statement)

        connection = db.engines[None]
        sa.event.listen(connection, "before_cursor_execute", _record)
        try:
            yield statements
        finally:
            sa.event.remove(connection, "before_cursor_execute", _record)

    return counter

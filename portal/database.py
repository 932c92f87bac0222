"""Database wiring: SQLite behaviour, the start-up guard and the one commit point per request.

The commit decision
-------------------
Operations (``*/operations.py``) validate first, then write and flush; they never commit.
A view never writes itself: it calls operations. The request is committed exactly once,
in :func:`init_request_transactions`, and only when all three hold:

1. no exception escaped the view;
2. the response status is below 400;
3. no :class:`Refusal` was raised while the request was handled.

A refusal is an explicit result: every user-facing "no" of the domain (``ReportError``,
``RoadmapError``, ``UploadError``, ``FileRejected``, ``AccountError``, ...) derives from
:class:`Refusal`. Creating one while a request is handled marks the request as refused
(:func:`request_refused`), so a view may catch it and answer however it likes - a redirect
with a flashed message, a 200 re-render of the form, a 4xx - and still nothing that was
flushed before or during the refused step is committed. Nobody has to remember to roll back.

So a refusal is raised before anything is written (validate first), and a request either
does all of its work or none: a step that must stand although a later step would be refused
checks that later step first and does not attempt it (the report form saves the draft and
then submits only if the submission checks pass, rather than catching ``SubmissionBlocked``).
Not refusals, because they must be committed: results an operation returns to describe an
outcome that changed something, such as a failed login that counts towards the lockout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.extensions import db
from portal.files import private_file

# Refusals live apart from the database layer so pure code (the file parser) can raise them.
from portal.refusals import Refusal, request_refused  # noqa: F401 - re-exported


class StartupQueryError(RuntimeError):
    """Raised when something queries the database while the application is being built."""


def configure_sqlite(engine: Engine) -> None:
    """Make pysqlite behave like a real transactional database that serves many users.

    pysqlite opens transactions lazily and breaks SAVEPOINT; the documented SQLAlchemy
    recipe lets SQLAlchemy emit BEGIN itself. Foreign keys are off in SQLite by default.
    For the deadline hour: WAL (readers never wait for the writer), a busy timeout long
    enough for a queue of writers, and requests that may write (every method but GET and
    HEAD) begin as writers with ``BEGIN IMMEDIATE``, so they wait their turn at the start
    instead of failing with "database is locked" when a deferred reader upgrades to a writer.
    """
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database

    @event.listens_for(engine, "do_connect")
    def _private_file(*_args):  # pragma: no cover - trivial
        # Created here, just before SQLite opens it, rather than by SQLite, which would make
        # it 0644 (its journals then take the database file's mode).
        if database and database != ":memory:" and not database.startswith("file:") \
                and Path(database).parent.is_dir():
            private_file(Path(database))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")  # a no-op for in-memory databases
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # pragma: no cover - trivial
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _request_may_write() else "BEGIN")


SQLITE_BUSY_TIMEOUT_MS = 30_000  # a writer waits this long for its turn before giving up


def _request_may_write() -> bool:
    """Whether the current request may write (GET and HEAD only read)."""
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


@contextmanager
def forbid_queries(reason: str) -> Iterator[None]:
    """Fail loudly if any SQL runs inside the block.

    Used around ``create_app``: pre-forked gunicorn workers would inherit a connection
    opened at start-up, and a schema that is not migrated yet would break the import.
    """

    def _guard(*_args, **_kwargs):
        raise StartupQueryError(reason)

    event.listen(Engine, "before_cursor_execute", _guard)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", _guard)


def init_request_transactions(app: Flask) -> None:
    """Commit once per request when it succeeded and was not refused, roll back otherwise.

    Operations only flush; this is the single commit point, as in indico (see the module
    docstring for the rule).
    """

    @app.after_request
    def _commit(response):
        if response.status_code < 400 and request_refused() is None:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

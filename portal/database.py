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

Write transactions on SQLite
----------------------------
SQLite has one writer at a time. A transaction that starts as a reader and then writes must
upgrade its lock, and in WAL mode that upgrade fails at once (``SQLITE_BUSY_SNAPSHOT``,
reported as "database is locked") whenever another connection committed since the reader
began: no busy timeout helps. So a request that may write begins as a writer
(``BEGIN IMMEDIATE``: it waits its turn, up to the busy timeout) and everything else reads:

* GET, HEAD and OPTIONS requests read (``BEGIN``), any number at a time (WAL);
* other requests begin as writers, from their first statement to the commit point, and so
  must stay short;
* a view that does slow work before it writes - password hashing, parsing a file - is marked
  :func:`reads_first`: it reads as a reader and calls :func:`begin_writing` when the slow part
  is done. That ends the read snapshot (nothing was written yet) and begins a writer; the
  objects loaded so far are expired, so the writes use values read inside the writer;
* a view whose writes are all guarded - version-checked updates, inserts with a unique key -
  is marked :func:`writes_last` (the report form, the hot path of a deadline): it reads as a
  reader and takes the write lock at its first write or locking read (``FOR UPDATE``),
  keeping what it read, so it holds the lock only for its writes. A guarded write that finds
  the row changed fails, and the work runs once more as a writer from the start
  (:func:`once_more_as_writer`): the outcome is the one a writer from the start would have had.

A write in a reader (a GET, or before :func:`begin_writing`) raises RuntimeError. CLI commands
begin as writers. PostgreSQL needs none of this (row locks, MVCC): there
:func:`begin_writing` changes nothing. The rules live in :mod:`portal.transactions`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal import transactions
from portal.extensions import db
from portal.files import private_file

# Refusals live apart from the database layer so pure code (the file parser) can raise them.
from portal.refusals import Refusal, request_refused  # noqa: F401 - re-exported
from portal.transactions import (  # noqa: F401 - re-exported
    begin_writing,
    once_more_as_writer,
    reads_first,
    writes_last,
)


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
        if SQLITE_SYNCHRONOUS in ("NORMAL", "FULL", "EXTRA"):
            cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # pragma: no cover - trivial
        writer = transactions.begins_as_writer()
        transactions.began(writer)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


SQLITE_BUSY_TIMEOUT_MS = 30_000  # a writer waits this long for its turn before giving up
# NORMAL: in WAL mode a commit survives any crash of the portal's processes, and only an
# operating-system crash or a power cut can undo the last commits (never corrupting the
# file); FULL also syncs the disk at every commit, which serializes writers on the disk.
SQLITE_SYNCHRONOUS = os.environ.get("PORTAL_SQLITE_SYNCHRONOUS", "NORMAL").upper()


def _request_may_write() -> bool:
    """Whether the current request begins as a writer (GET and HEAD only read, and so do
    the views marked reads_first or writes_last until they write)."""
    return has_request_context() and transactions.begins_as_writer()


# While PostgreSQL restarts it refuses connections for a moment; a request that needs a new
# connection then waits for it (up to this long) instead of failing.
CONNECT_PATIENCE_S = 15.0
_SERVER_AWAY = ("connection refused", "starting up", "shutting down", "not yet accepting",
                "terminating connection", "server closed the connection")


def configure_postgresql(engine: Engine) -> None:
    """Survive a restart of the server: at most the requests in flight during it fail.

    Pooled connections are checked before use (``pool_pre_ping`` in the configuration), so
    the ones the restart cut are replaced; new connections wait while the server is away.
    """
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "do_connect")
    def _connect_patiently(dialect, _record, cargs, cparams):  # pragma: no cover - timing
        give_up = time.monotonic() + CONNECT_PATIENCE_S
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.OperationalError as exc:
                if time.monotonic() > give_up or not any(
                        sign in str(exc).lower() for sign in _SERVER_AWAY):
                    raise
                time.sleep(0.2)

    @event.listens_for(engine, "begin")
    def _bound_request_statements(connection):  # pragma: no cover - one statement
        # A request's statement that runs away (a lock never released, a plan gone wrong on
        # stale statistics) fails after this long instead of holding a worker's thread and a
        # connection forever; gunicorn's threaded workers never time out a thread themselves.
        # The CLI (imports, migrations, backup) is not bounded.
        if has_request_context():
            limit = int(current_app.config.get("PORTAL_STATEMENT_TIMEOUT_MS") or 0)
            if limit > 0:
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {limit}")


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

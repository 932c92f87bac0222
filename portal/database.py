"""Database wiring: SQLite behaviour, the start-up guard and the one commit point per request."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.extensions import db
from portal.files import private_file


class StartupQueryError(RuntimeError):
    """Raised when something queries the database while the application is being built."""


def configure_sqlite(engine: Engine) -> None:
    """Make pysqlite behave like a real transactional database.

    pysqlite opens transactions lazily and breaks SAVEPOINT; the documented SQLAlchemy
    recipe lets SQLAlchemy emit BEGIN itself. Foreign keys are off in SQLite by default.
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
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # pragma: no cover - trivial
        connection.exec_driver_sql("BEGIN")


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
    """Commit once per request when it succeeded, roll back otherwise.

    Operations only flush; this is the single commit point, as in indico.
    """

    @app.after_request
    def _commit(response):
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

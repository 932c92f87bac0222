"""Which transactions begin as writers, and the views that read first (see portal.database).

On SQLite a request that may write begins with ``BEGIN IMMEDIATE``; a view marked
:func:`reads_first` or :func:`writes_last` begins as a reader and takes the write lock later,
when its slow part is done (:func:`begin_writing`) or at its first write. The checks here run
on every backend, so a view that writes as a reader fails in the tests on PostgreSQL too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.refusals import Refusal

T = TypeVar("T")
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MODE_ATTR = "_portal_transaction"
READS_FIRST, WRITES_LAST = "reads_first", "writes_last"


def reads_first(view: Callable) -> Callable:
    """Mark a view whose POSTs do slow work before writing, or write nothing at all.

    Its transaction begins as a reader; it calls :func:`begin_writing` before its first write.
    """
    setattr(view, _MODE_ATTR, READS_FIRST)
    return view


def writes_last(view: Callable) -> Callable:
    """Mark a view that reads as a reader and takes the write lock only at its first write.

    Only for views whose every write is guarded against what changed since it was read:
    each row they update carries a version the UPDATE checks, each row they insert a unique
    key. A write that lost the race fails, and the view runs its work again as a writer from
    the start (:func:`once_more_as_writer`).
    """
    setattr(view, _MODE_ATTR, WRITES_LAST)
    return view


def _view_mode() -> str | None:
    return getattr(current_app.view_functions.get(request.endpoint or ""), _MODE_ATTR, None)


def begins_as_writer() -> bool:
    """Whether a transaction beginning now must be a writer (CLI commands and scripts are)."""
    if not has_request_context() or g.get("portal_writing"):
        return True
    return request.method not in READING_METHODS and _view_mode() is None


def began(writer: bool) -> None:
    """Called as a transaction begins: remember whether this request now reads or writes."""
    if has_request_context():
        g.portal_writing, g.portal_reading = writer, not writer


def begin_writing() -> None:
    """The slow part is done and the request now writes (see :func:`reads_first`).

    On SQLite the read transaction ends and the next statement begins a writer; every loaded
    object is expired, so the writes rest on values read inside the writer, never on a stale
    snapshot. Nothing happens where the request writes already (or outside requests).
    Raises RuntimeError when a reader has written something (it would be lost).
    """
    if not has_request_context() or g.get("portal_writing"):
        return
    g.portal_writing = True
    if not g.get("portal_reading"):
        return  # PostgreSQL, or no transaction yet: the next one begins as a writer
    if g.get("portal_wrote") or db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("begin_writing() after a write: call it before the first one")
    db.session.rollback()  # a read-only transaction: nothing is lost


def _first_write() -> None:
    """Before a request's first write: a writer goes on, a :func:`writes_last` view takes the
    write lock now, keeping what it read; anything else is a programming error."""
    if not has_request_context():
        return
    g.portal_wrote = True
    if begins_as_writer():
        return
    if request.method in READING_METHODS or _view_mode() != WRITES_LAST:
        raise RuntimeError(f"{request.endpoint} writes as a reader: begin_writing() first")
    g.portal_writing = True
    if g.get("portal_reading"):
        connection = db.session.connection()
        connection.exec_driver_sql("COMMIT")  # the read snapshot ends: nothing was written
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # waits its turn; sees the latest rows
        g.portal_reading = False


def once_more_as_writer(work: Callable[[], T], again: Callable[[], T]) -> T:
    """``work()``; when it failed at or after its first write - a guarded write that lost a
    race (a version checked by an UPDATE or by the locking read, a unique key of an INSERT),
    or a refusal resting on a row read before the lock - roll everything back and return
    ``again()``, run as a writer from its first statement, so its outcome is a writer's.

    That is a race on SQLite (the reads came from the snapshot of a reader) and on PostgreSQL
    alike (its reads take no lock). ``work`` must change nothing outside the database before
    its writes (no flash, no file).
    """
    try:
        return work()
    except (StaleDataError, IntegrityError, Refusal) as exc:
        if not has_request_context() or not g.get("portal_wrote") or not _lost_a_race(exc):
            raise
    db.session.rollback()
    g.pop("portal_refusal", None)  # it belonged to the attempt that was rolled back
    g.portal_writing = True
    return again()


def _lost_a_race(exc: Exception) -> bool:
    if not isinstance(exc, IntegrityError):
        return True
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint" in str(orig)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    if session.new or session.dirty or session.deleted:
        _first_write()


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    # A locking read (FOR UPDATE, ignored by SQLite) announces the writes that follow it.
    locking = state.is_select and getattr(state.statement, "_for_update_arg", None) is not None
    if state.is_insert or state.is_update or state.is_delete or locking:
        _first_write()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _transaction_ended(*_args) -> None:
    if has_request_context():
        g.portal_reading = False

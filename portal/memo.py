"""Read once per transaction: what a request reads many times - the catalogue, the rules,
the previous quarter's values - is kept for the rest of its transaction."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")

# Models whose rows memoized reads come from; writing one of them drops the memo. Reports
# and their values are not among them: a request writes the current quarter's report, and
# the memo holds the previous quarter's values.
MEMO_SOURCES: set[type] = set()


def memoized(key: Hashable, load: Callable[[], T]) -> T:
    """``load()``, computed once per transaction of the current request.

    The memo is dropped when the transaction ends (its objects expire then) and when a flush
    writes any of :data:`MEMO_SOURCES`. Outside a request ``load()`` runs every time.
    """
    if not has_request_context():
        return load()
    memo = g.setdefault("portal_memo", {})
    if key not in memo:
        memo[key] = load()
    return memo[key]


def _forget(*_args: Any) -> None:
    if has_request_context():
        g.pop("portal_memo", None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    touched = {type(obj) for obj in (*session.new, *session.dirty, *session.deleted)}
    if touched & MEMO_SOURCES:
        _forget()


event.listen(Session, "after_commit", _forget)
event.listen(Session, "after_soft_rollback", _forget)

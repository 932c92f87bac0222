"""The scope hook: every ORM SELECT of a request is limited to the user's scope.

Installed once on ``db.session`` by :func:`tenants.scoping.init_app`; the mechanism, the
opt-outs and the Core statements are described in the docstring of :mod:`tenants.scoping`.
"""

from __future__ import annotations

import functools

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria

from portal.extensions import db
from tenants.scoping import (UNSCOPED_OPTION, Scope, ScopingError, current_scope,
                             system_reason, tenant_models)

SCOPED_OPTION = "portal_scope"  # set on every statement the hook limited: the scope's key
REFRESH = "refresh"  # the value of SCOPED_OPTION for refreshes of objects already loaded


@functools.lru_cache(maxsize=1024)
def criteria(scope: Scope) -> tuple:
    """The loader criteria of ``scope`` for every tenant-owned model, built once per scope.

    They propagate to loaders (joined eager loads need that); a lazy load of an object
    loaded outside the hook (a system session) gets them from the hook itself.
    """
    if scope.is_admin:
        return ()
    return tuple(with_loader_criteria(model, scope.readable(model), include_aliases=True)
                 for model in tenant_models())


def limit_to_scope(state: ORMExecuteState) -> None:
    """``do_orm_execute`` listener: add the current scope's criteria to an ORM SELECT."""
    if not state.is_select or not has_request_context():
        return
    options = state.execution_options
    if UNSCOPED_OPTION in options:
        if not isinstance(options[UNSCOPED_OPTION], str) or not options[UNSCOPED_OPTION].strip():
            raise ScopingError("execution option unscoped needs a reason (a non-empty string)")
        return
    reason = system_reason()
    if reason is not None:
        state.update_execution_options(**{UNSCOPED_OPTION: reason})  # visible to spies
        return
    if not state.is_orm_statement:
        return  # Core (table-level) statements: tenants.scoping.CORE_STATEMENTS
    if state.is_column_load:
        # Reloading columns of an object the session holds (expired, deferred): it was
        # limited when it was loaded, and SQLAlchemy applies no criteria to refreshes.
        state.update_execution_options(**{SCOPED_OPTION: REFRESH})
        return
    scope = current_scope()
    found = criteria(scope)
    if found and found[0] not in state.statement._with_options:  # not yet propagated
        state.statement = state.statement.options(*found)
    state.update_execution_options(**{SCOPED_OPTION: scope.cache_key()})


def install() -> None:
    """Listen on the sessions of ``db.session`` (once, whatever the number of apps)."""
    if not event.contains(db.session, "do_orm_execute", limit_to_scope):
        event.listen(db.session, "do_orm_execute", limit_to_scope)

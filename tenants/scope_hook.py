"""The scope hook: every ORM SELECT of a request is limited to the user's scope.

Installed once on ``db.session`` by :func:`tenants.scoping.init_app`; the mechanism, the
opt-outs and the Core statements are described in the docstring of :mod:`tenants.scoping`.

Cost: a criterion's share of the statement's cache key and parameters is paid on every
execution, so a statement gets the criteria of the tenant models it can read only — the
tables it names anywhere (joins, subqueries, WHERE), the targets of its eager-loading
options and of joined relationships — computed once per statement shape (cache key).

During a request, a ``do_orm_execute`` listener on ``db.session`` adds
``with_loader_criteria(Model, scope.readable(Model), include_aliases=True)`` to every ORM
SELECT for each tenant-owned model it reads: ``select(Report)``, column selects built from
ORM attributes (``select(Report.id, func.count())``), joins, subqueries, aliases,
``Session.get`` and lazy, joined and selectin relationship loads. A query that forgets the
scope still sees only the scope. ``readable`` is the VIEW predicate, except that the curator
and head also read the municipality and region their organization lies in (its card shows
them; their pages stay 404). The criteria are built once per scope; the models a statement
reads once per statement shape. Refreshes of objects the session already holds get no
criteria; the administrator gets none but those of the personal-data models (which deny
them every row: :meth:`tenants.scoping.Scope.readable`).
"""

from __future__ import annotations

import functools
from typing import Any

from flask import has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.sql import util as sql_util
from sqlalchemy.sql.selectable import CompoundSelect, Select

from portal.extensions import db
from tenants.scoping import (
    UNSCOPED_OPTION,
    Scope,
    ScopingError,
    current_scope,
    personal_data_models,
    system_reason,
    tenant_models,
)

SCOPED_OPTION = "portal_scope"  # set on every statement the hook limited: the scope's key
MODELS_OPTION = "portal_scope_models"  # ...and the names of the models it limited
REFRESH = "refresh"  # the value of SCOPED_OPTION for refreshes of objects already loaded
_SHAPES_KEPT = 4096


@functools.lru_cache(maxsize=1024)
def criteria(scope: Scope) -> dict[type, Any]:
    """The loader criterion of ``scope`` for each tenant-owned model, built once per scope.

    They propagate to loaders (joined eager loads need that); a lazy load of an object
    loaded outside the hook (a system session) gets them from the hook itself.
    """
    if scope.is_system:
        return {}
    models = personal_data_models() if scope.is_admin else tenant_models()
    return {model: with_loader_criteria(model, scope.readable(model), include_aliases=True)
            for model in models}


_models_by_shape: dict[Any, tuple[type, ...]] = {}


def models_read_by(statement: Any) -> tuple[type, ...]:
    """The tenant-owned models ``statement`` can read (all of them when in doubt)."""
    key = statement._generate_cache_key()
    if key is None:
        return tenant_models()
    found = _models_by_shape.get(key.key)
    if found is None:
        if len(_models_by_shape) >= _SHAPES_KEPT:
            _models_by_shape.clear()
        found = _models_by_shape[key.key] = _models_in(statement)
    return found


def _models_in(statement: Any) -> tuple[type, ...]:
    everything = tenant_models()  # sorted by name: the options come in a stable order
    if not isinstance(statement, (Select, CompoundSelect)):
        return everything
    by_table = {mapper.local_table.name: mapper.class_ for mapper in db.Model.registry.mappers}
    tables = sql_util.find_tables(statement, check_columns=True, include_aliases=True)
    classes = {by_table[t.name] for t in tables if getattr(t, "name", None) in by_table}
    for option in getattr(statement, "_with_options", ()):
        if getattr(option, "_is_criteria_option", False):
            continue
        context = getattr(option, "context", None)  # loader options: their paths
        if context is None:
            return everything
        for element in context:
            classes |= {item.mapper.class_ for item in element.path.path
                        if getattr(item, "mapper", None) is not None}
    classes = _with_joined_relationships(classes)
    return tuple(model for model in everything if model in classes)


def _with_joined_relationships(classes: set[type]) -> set[type]:
    """``classes`` and every class their ``lazy="joined"`` relationships load with them."""
    found, todo = set(classes), list(classes)
    while todo:
        for relationship in inspect(todo.pop()).relationships:
            target = relationship.mapper.class_
            if relationship.lazy == "joined" and target not in found:
                found.add(target)
                todo.append(target)
    return found


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
    by_model = criteria(scope)
    if not by_model:  # the administrator before any personal-data model exists: everything
        state.update_execution_options(**{SCOPED_OPTION: scope.cache_key()})
        return
    models = models_read_by(state.statement)
    present = {id(option) for option in state.statement._with_options}  # propagated ones
    missing = [by_model[m] for m in models if m in by_model and id(by_model[m]) not in present]
    if missing:
        state.statement = state.statement.options(*missing)
    state.update_execution_options(**{SCOPED_OPTION: scope.cache_key(),
                                      MODELS_OPTION: tuple(m.__name__ for m in models)})


def install() -> None:
    """Listen on the sessions of ``db.session`` (once, whatever the number of apps)."""
    if not event.contains(db.session, "do_orm_execute", limit_to_scope):
        event.listen(db.session, "do_orm_execute", limit_to_scope)

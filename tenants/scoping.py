"""The one scoping mechanism: the current user becomes a SQL predicate for any tenant data.

How it works:
* A :class:`Scope` is computed once per request from the user's role assignments
  (:func:`current_scope`) and gives a predicate per model and :class:`Action` (both in
  :mod:`tenants.policy`, with the registry of tenant-owned models; imported from here).
* **The hook** (:mod:`tenants.scope_hook`, installed by :func:`init_app`; its docstring
  says what it covers): during a request every ORM SELECT of a tenant-owned model gets the
  user's ``scope.readable(Model)`` as loader criteria, so a query that forgets the scope
  still sees only the scope.
* **Tenant-owned models** come from the mapper registry (:func:`tenant_models`): every model
  with a :func:`scope_rule` or an ``organization_id`` column. Any other model must be declared
  :func:`shared_model` with a reason (accounts: who changed what is shown beside tenant data;
  the catalogue); a model that is neither makes :func:`init_app` fail.
* **Explicit actions**: :func:`scoped_select`, :func:`get_or_404`, :func:`allows`,
  :func:`require` add the predicate of the action asked for (VIEW too: they work outside
  requests). URL ids are resolved through :func:`get_or_404` (:mod:`tenants.urls`): 404.
* The scope's own subqueries (:mod:`tenants.policy`) are built on tables, untouched by the
  hook.

Opting out (grep ``unscoped(``, ``system_session(``, ``system_task(``, ``Scope.system(``):
``unscoped(stmt, reason)`` runs one statement without the hook (execution option
``unscoped=<reason>``), ``with system_session(reason):`` a block (lazy loads included),
``@system_task(reason)`` a function. An empty reason raises :class:`ScopingError`, and so
does ``unscoped=""`` set by hand. ``Scope.system(reason)`` admits everything in explicit
predicates. Every place (``tests/test_scoping_hook.py`` fails on any other):

* ``portal/cli.py``, ``tenants/cli.py``: the CLI commands (``@system_task``);
* ``portal/demo/__init__.py``, ``portal/demo/synthetic.py``: the demo loader;
* ``portal/auth/sessions.py``: loading the signed-in account and its roles;
* ``tenants/scoping.py``, ``tenants/policy.py``: loading the signed-in account
  (:func:`current_scope`) and computing its own scope (:meth:`Scope.for_user`);
* ``dashboards/institution.py``, ``dashboards/municipal.py``: ``Scope.system`` for the
  reference values (the ``dashboards.aggregate`` Core statements below).

Core statements
---------------
Statements outside the hook are tagged with :func:`core_statement` and listed with the
reason each is safe in :data:`tenants.opt_out.CORE_STATEMENTS` (the modules that build
statements on tables: :data:`~tenants.opt_out.CORE_MODULES`): ``dashboards.aggregate``, the
dashboards' GROUP BY statements, built on ``Scope.organizations(VIEW)`` of the caller's scope
(reference values: sums only); ``mentoring.counts``, counts of one organization's register
(personal data, :mod:`tenants.personal`); ``monitoring.counts``, means and counts of one
organization's monitoring answers (with their respondents). ``tests/scope_spy.py`` fails on
any SELECT of a tenant table during a request that carries neither the criteria, nor an
opt-out, nor a Core tag.
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, abort, has_request_context, request
from flask_login import current_user

from portal.extensions import db
from tenants.models import Organization
from tenants.opt_out import (  # noqa: F401
    CORE_MODULES,
    CORE_OPTION,
    CORE_STATEMENTS,
    UNSCOPED_OPTION,
    ScopingError,
    checked_reason,
    core_statement,
    system_reason,
    system_session,
    system_task,
    unscoped,
)
from tenants.personal import personal_data_model, personal_data_models  # noqa: F401
from tenants.policy import (  # noqa: F401 - models register their rules through here
    Action,
    Scope,
    scope_rule,
    shared_model,
    tenant_models,
)
from tenants.urls import (  # noqa: F401 - feature models declare their URL ids through here
    PARENTS,
    URL_ACTIONS,
    URL_ARGUMENTS,
    belongs_to,
    check_together,
    levels,
    resolve_url_ids,
    shared_levels,
    url_argument,
)

M = TypeVar("M")


# -- the current user ------------------------------------------------------------------------

def current_scope() -> Scope:
    """The scope of the user of this request, computed once per signed-in user."""
    if not has_request_context():
        return Scope()
    with system_session("loading the signed-in account to compute its own scope"):
        user = current_user._get_current_object()
    cached = request.__dict__.get("_portal_scope")
    if cached is not None and cached[0] is user:  # login/logout inside a request recompute it
        return cached[1]
    scope = Scope.for_user(user)
    request._portal_scope = (user, scope)
    return scope


def scoped_select(model: type[M], action: Action = Action.VIEW, scope: Scope | None = None):
    """``select(model)`` limited to what the (current) user may ``action``."""
    scope = scope or current_scope()
    return sa.select(model).where(scope.predicate(model, action))


def get_or_404(model: type[M], ident: Any, action: Action = Action.VIEW,
               scope: Scope | None = None) -> M:
    """Load one row by primary key within the scope, or answer 404."""
    scope = scope or current_scope()
    pk = sa.inspect(model).primary_key[0]
    obj = db.session.scalars(
        sa.select(model).where(pk == ident, scope.predicate(model, action))
    ).first()
    if obj is None:
        abort(404)
    return obj


def allows(action: Action, obj: Any, scope: Scope | None = None) -> bool:
    """Whether the user may ``action`` on an already loaded object (one small query at most)."""
    scope = scope or current_scope()
    if isinstance(obj, Organization) and action in (Action.EDIT, Action.CONFIRM):
        # The roles alone decide, exactly as Scope.organizations does in SQL: no query.
        ids = scope.curator_org_ids if action is Action.EDIT else scope.head_org_ids
        return scope.is_admin or sa.inspect(obj).identity[0] in ids
    model = type(obj)
    pk = sa.inspect(model).primary_key[0]
    ident = sa.inspect(obj).identity[0]
    stmt = sa.select(sa.literal(1)).select_from(model).where(
        pk == ident, scope.predicate(model, action)
    )
    return db.session.scalar(stmt) is not None


def require(action: Action, obj: M, scope: Scope | None = None) -> M:
    """Answer 403 unless the user may ``action`` on ``obj`` (which they can already see)."""
    if not allows(action, obj, scope):
        abort(403)
    return obj


def init_app(app: Flask) -> None:
    """Install the scope hook and resolve tenant ids in every URL before the view is called."""
    from tenants import scope_hook

    tenant_models()  # fails now, not at the first request, for an unclassified model
    scope_hook.install()

    @app.url_value_preprocessor
    def _preprocess(endpoint, values):
        # Static files and anonymous pages carry no tenant ids; the login gate runs first.
        if request.endpoint and values:
            resolve_url_ids(endpoint, values)

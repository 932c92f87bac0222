"""The one scoping mechanism: the current user becomes a SQL predicate for any tenant data.

How it works
------------
* A :class:`Scope` is computed once per request from the user's role assignments and turns
  into a predicate per model and :class:`Action` (view, edit, confirm, review, manage).
* **The hook** (:mod:`tenants.scope_hook`, installed by :func:`init_app`): while a request
  context is active, a ``do_orm_execute`` listener on ``db.session`` adds
  ``with_loader_criteria(Model, scope.readable(Model), include_aliases=True)`` for every
  tenant-owned model to every ORM SELECT — plain ``select(Report)``, column selects built
  from ORM attributes (``select(Report.id, func.count())``), joins, subqueries, ``Session.get``,
  and lazy, joined and selectin relationship loads. So a request cannot read tenant rows
  outside its scope even through a query that forgot the scope. ``readable`` is the VIEW
  predicate, except that the region and municipality an organization lies in are readable
  to its curator and head (their names are part of the organization's card; as pages they
  stay out of scope, 404). Refreshes of objects the session already holds get no criteria.
* **Tenant-owned models** are derived from the mapper registry (:func:`tenant_models`): every
  model with a registered :func:`scope_rule` or an ``organization_id`` column. Every other
  model must be declared :func:`shared_model` with a reason (accounts, the catalogue);
  a model that is neither makes :func:`init_app` fail, so a new table cannot be forgotten.
* **Explicit actions**: :func:`scoped_select`, :func:`get_or_404`, :func:`allows` and
  :func:`require` add the predicate of the action they are asked for (VIEW included, so
  they also work outside requests and with a scope passed in). Ids that arrive in a URL
  are resolved through :func:`get_or_404` by a URL value preprocessor before any view runs,
  so out of scope answers 404, exactly like a missing id.

Opting out (grep ``unscoped(``, ``system_session(``, ``system_task(``, ``Scope.system(``)
--------------------------------------------------------------------------------------
* ``unscoped(stmt, reason)`` — one statement runs without the hook (execution option
  ``unscoped=<reason>``); ``system_session(reason)`` — every statement inside the block,
  lazy loads included; ``@system_task(reason)`` — the same for a whole function. The reason
  is mandatory: an empty one raises :class:`ScopingError`, so does ``unscoped=""`` set by hand.
  Used by: the CLI commands and the demo loader (``portal/cli.py``, ``tenants/cli.py``,
  ``portal/demo.py``, ``portal/reports/synthetic.py``), loading the signed-in account
  (``portal/auth/gate.py``) and computing the user's own scope (:func:`current_scope`).
* ``Scope.system(reason)`` — a scope that admits everything, for explicit predicates in
  the Core statements below (reference values of the dashboards).
* The scope's own subqueries (inside the predicates of this module and of the rules) are
  built on ``Model.__table__`` columns, which the hook does not touch: a predicate never
  recurses into the hook, and the SQL stays one level deep.

Core statements
---------------
Statements the hook cannot limit (executed on the connection, or built on tables), each
tagged with :func:`core_statement` and listed in :data:`CORE_STATEMENTS` with the reason it
is safe. ``tests/test_scoping_hook.py`` fails on a SELECT of a tenant table during a request
that carries neither the hook's criteria, nor an opt-out, nor one of these tags, and on raw
table constructs outside :data:`CORE_MODULES`.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Callable, Iterator, TypeVar

import sqlalchemy as sa
from flask import Flask, abort, has_request_context, request
from flask_login import current_user
from sqlalchemy.sql.elements import ColumnElement

from portal.extensions import db
from tenants.models import Municipality, Organization, Region, Role, Subordination

M = TypeVar("M")
Predicate = ColumnElement[bool]

# Tables, not mapped classes, in the scope's own subqueries: the hook never reaches into them.
_REGIONS, _MUNICIPALITIES, _ORGANIZATIONS = (
    Region.__table__, Municipality.__table__, Organization.__table__)

UNSCOPED_OPTION = "unscoped"  # execution option: the reason a statement runs without the hook
CORE_OPTION = "scoping_core"  # execution option: the CORE_STATEMENTS entry a statement is

# Statements the hook cannot limit, with the reason each is safe (see the module docstring).
CORE_STATEMENTS: dict[str, str] = {
    "dashboards.aggregate": (
        "dashboards/queries.py _frame: the GROUP BY statements of the dashboards run on the "
        "connection (plain tuples, no ORM rows, so no session hook). Every one is built on "
        "organization_filter(), i.e. Scope.organizations(VIEW) of the caller's scope; the "
        "reference values (institution and municipal views) pass Scope.system(reason) and "
        "come back as sums only, without names, small groups hidden."),
}
# Modules that may build statements on tables (``__table__``, ``connection()``): their
# SELECTs are the CORE_STATEMENTS above; the rest are writes of rows the request already
# loaded through the scope, or the CLI.
CORE_MODULES: dict[str, str] = {
    "tenants/scoping.py": "the scope's own subqueries (table-based so the hook never recurses)",
    "dashboards/queries.py": "dashboards.aggregate (above); one outer join per indicator on "
                             "a table alias of report_values, joined to already limited reports",
    "portal/reports/upload.py": "confirm_bulk writes (INSERT/UPDATE) of reports whose "
                                "organizations were checked with Action.REVIEW; its reads are ORM",
    "portal/reports/synthetic.py": "the synthetic demo region (CLI, system_task)",
    "portal/reports/models.py": "the ReportValue rule's own subquery on reports",
    "portal/database.py": "SQLite's BEGIN (no table at all)",
}


class ScopingError(RuntimeError):
    """Misuse of the scoping mechanism: an opt-out without a reason, an unclassified model."""


class Action(StrEnum):
    """What a user wants to do with a tenant's data."""

    VIEW = "view"  # read it
    EDIT = "edit"  # change the organization's own data: the curator
    CONFIRM = "confirm"  # confirm what the curator submitted: the head
    REVIEW = "review"  # accept or return reports: the responsible level of the external contour
    MANAGE = "manage"  # accounts and the registry: the administrator


def _ids_in(column: sa.ColumnElement, ids: frozenset[int]) -> Predicate:
    return column.in_(sorted(ids)) if ids else sa.false()


@dataclass(frozen=True)
class Scope:
    """Everything a user's role assignments allow, as sets of tenant ids."""

    user_id: int | None = None
    is_admin: bool = False
    region_ids: frozenset[int] = field(default_factory=frozenset)
    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    curator_org_ids: frozenset[int] = field(default_factory=frozenset)
    head_org_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def for_user(cls, user: Any) -> Scope:
        """Collect the scope of ``user`` (anonymous users get an empty scope)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return cls()
        by_role: dict[Role, set[int]] = {role: set() for role in Role}
        with system_session("computing the user's own scope from their role assignments"):
            for assignment in user.role_assignments:
                tenant_id = (assignment.region_id or assignment.municipality_id
                             or assignment.organization_id)
                by_role[assignment.role].add(tenant_id)
        return cls(
            user_id=user.id,
            is_admin=bool(by_role[Role.ADMIN]),
            region_ids=frozenset(by_role[Role.REGIONAL]),
            municipality_ids=frozenset(by_role[Role.MUNICIPAL]),
            curator_org_ids=frozenset(by_role[Role.CURATOR]),
            head_org_ids=frozenset(by_role[Role.HEAD]),
        )

    @classmethod
    def system(cls, reason: str) -> Scope:
        """A scope that admits everything, for explicit predicates; ``reason`` is mandatory."""
        _checked_reason(reason)
        return cls(is_admin=True)

    @property
    def is_external(self) -> bool:
        """True for the external contour: administrators, regional and municipal coordinators."""
        return self.is_admin or bool(self.region_ids or self.municipality_ids)

    @property
    def own_org_ids(self) -> frozenset[int]:
        """Organizations the user works in (curator or head)."""
        return self.curator_org_ids | self.head_org_ids

    def cache_key(self) -> str:
        """A stable string that changes whenever the visible data could change."""
        parts = [
            "A" if self.is_admin else "",
            "R" + ",".join(map(str, sorted(self.region_ids))),
            "M" + ",".join(map(str, sorted(self.municipality_ids))),
            "C" + ",".join(map(str, sorted(self.curator_org_ids))),
            "H" + ",".join(map(str, sorted(self.head_org_ids))),
        ]
        return "|".join(parts)

    # -- predicates ----------------------------------------------------------------------
    # ``on`` is the mapped class (the predicate filters that entity, adapted to its aliases)
    # or its table (inside the scope's own subqueries, which the hook must not touch).

    def organizations(self, action: Action = Action.VIEW, on: Any = Organization) -> Predicate:
        """Predicate on :class:`Organization` rows the user may act on."""
        if self.is_admin:
            return sa.true()
        orgs = _columns(on)
        clauses: list[Predicate] = []
        in_region = orgs.municipality_id.in_(
            sa.select(_MUNICIPALITIES.c.id).where(
                _ids_in(_MUNICIPALITIES.c.region_id, self.region_ids)))
        municipal_subordinate = sa.and_(
            _ids_in(orgs.municipality_id, self.municipality_ids),
            orgs.subordination == Subordination.MUNICIPAL,
        )
        if action is Action.VIEW:
            if self.region_ids:
                clauses.append(in_region)
            if self.municipality_ids:
                clauses.append(municipal_subordinate)
            if self.own_org_ids:
                clauses.append(_ids_in(orgs.id, self.own_org_ids))
        elif action is Action.EDIT and self.curator_org_ids:
            clauses.append(_ids_in(orgs.id, self.curator_org_ids))
        elif action is Action.CONFIRM and self.head_org_ids:
            clauses.append(_ids_in(orgs.id, self.head_org_ids))
        elif action is Action.REVIEW:
            # Municipal coordinators review municipally subordinate organizations; the
            # regional centre reviews the ones the region founded, wherever they lie.
            if self.municipality_ids:
                clauses.append(municipal_subordinate)
            if self.region_ids:
                clauses.append(sa.and_(in_region, orgs.subordination == Subordination.REGIONAL))
        return sa.or_(*clauses) if clauses else sa.false()

    def municipalities(self, action: Action = Action.VIEW) -> Predicate:
        """Predicate on :class:`Municipality` rows: the levels that oversee them."""
        if self.is_admin:
            return sa.true()
        if action not in (Action.VIEW, Action.REVIEW):
            return sa.false()
        clauses: list[Predicate] = []
        if self.region_ids:
            clauses.append(_ids_in(Municipality.region_id, self.region_ids))
        if self.municipality_ids:
            clauses.append(_ids_in(Municipality.id, self.municipality_ids))
        return sa.or_(*clauses) if clauses else sa.false()

    def regions(self, action: Action = Action.VIEW) -> Predicate:
        """Predicate on :class:`Region` rows: only regional coordinators see (and run) a region."""
        if self.is_admin:
            return sa.true()
        if action not in (Action.VIEW, Action.REVIEW, Action.MANAGE) or not self.region_ids:
            return sa.false()
        return _ids_in(Region.id, self.region_ids)

    def regions_in_scope(self) -> list[int] | sa.Select | sa.CompoundSelect | None:
        """Ids of the regions any of the user's roles lies in (a list or a subquery, for
        ``in_``), None if none."""
        muns, orgs = _MUNICIPALITIES, _ORGANIZATIONS
        if not (self.municipality_ids or self.own_org_ids):
            return sorted(self.region_ids) or None  # regional coordinators: no subquery
        parts = []
        if self.region_ids:
            parts.append(sa.select(_REGIONS.c.id).where(_ids_in(_REGIONS.c.id, self.region_ids)))
        if self.municipality_ids:
            parts.append(sa.select(muns.c.region_id).where(
                _ids_in(muns.c.id, self.municipality_ids)))
        if self.own_org_ids:
            parts.append(sa.select(muns.c.region_id)
                         .join(orgs, orgs.c.municipality_id == muns.c.id)
                         .where(_ids_in(orgs.c.id, self.own_org_ids)))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else sa.union(*parts)

    def predicate(self, model: type, action: Action = Action.VIEW, on: Any = None) -> Predicate:
        """Predicate on any scoped model: a registered rule, or its ``organization_id``.

        ``on=Model.__table__`` builds the ``organization_id`` rule on the table, for use
        inside another predicate's subquery.
        """
        rule = _RULES.get(model) if on is None else None
        if rule is not None:
            return rule(self, action)
        target = model if on is None else on
        org_column = getattr(_columns(target), "organization_id", None)
        if org_column is None:
            raise TypeError(f"{model.__name__} has no scoping rule; register one")
        if self.is_admin:
            return sa.true()
        if action is Action.VIEW and not (self.region_ids or self.municipality_ids):
            return _ids_in(org_column, self.own_org_ids)  # no subquery needed
        return org_column.in_(sa.select(_ORGANIZATIONS.c.id).where(
            self.organizations(action, on=_ORGANIZATIONS)))

    def readable(self, model: type) -> Predicate:
        """What the hook limits every query of ``model`` to: VIEW, plus context rows.

        The curator and head read the municipality and region their organization lies in
        (names on its card, the region's settings in the workflow) without being allowed
        their pages; everything else is exactly :meth:`predicate` for VIEW.
        """
        if self.is_admin:
            return sa.true()
        if model is Region:
            regions = self.regions_in_scope()
            return Region.id.in_(regions) if regions is not None else sa.false()
        if model is Municipality and self.own_org_ids:
            return sa.or_(self.municipalities(), Municipality.id.in_(
                sa.select(_ORGANIZATIONS.c.municipality_id)
                .where(_ids_in(_ORGANIZATIONS.c.id, self.own_org_ids))))
        return self.predicate(model, Action.VIEW)


def _columns(target: Any) -> Any:
    """Column access for a mapped class (``Model.col``) or a table (``table.c.col``)."""
    return target.c if isinstance(target, sa.Table) else target


_RULES: dict[type, Callable[[Scope, Action], Predicate]] = {
    Organization: Scope.organizations,
    Municipality: Scope.municipalities,
    Region: Scope.regions,
}
_SHARED: dict[type, str] = {}  # model → why it is not tenant data


def scope_rule(model: type) -> Callable:
    """Register the predicate for a model that is not owned through ``organization_id``.

    A rule must build its subqueries on tables (``Model.__table__``), like this module.
    """

    def register(func: Callable[[Scope, Action], Predicate]) -> Callable:
        _RULES[model] = func
        _tenant_models.cache_clear()
        return func

    return register


def shared_model(model: type, reason: str) -> None:
    """Declare that ``model`` holds no tenant data: the hook leaves it alone."""
    _SHARED[model] = _checked_reason(reason)
    _tenant_models.cache_clear()


def tenant_models(registry: Any = None) -> tuple[type, ...]:
    """Every tenant-owned mapped model; raises for a model that is neither owned nor shared."""
    registry = registry or db.Model.registry
    return _tenant_models(registry, len(registry.mappers))  # a new mapper: classify again


@functools.lru_cache(maxsize=8)
def _tenant_models(registry: Any, _mapper_count: int) -> tuple[type, ...]:
    owned, unclassified = [], []
    for mapper in sorted(registry.mappers, key=lambda m: m.class_.__name__):
        model = mapper.class_
        if model in _SHARED:
            continue
        if model in _RULES or "organization_id" in mapper.local_table.c:
            owned.append(model)
        else:
            unclassified.append(model.__name__)
    if unclassified:
        raise ScopingError(
            f"models neither tenant-owned nor shared: {', '.join(unclassified)}; register a "
            "scope_rule (or give it organization_id), or declare it shared_model with a reason")
    return tuple(owned)


# -- opting out ------------------------------------------------------------------------------

_SYSTEM_REASON: ContextVar[str | None] = ContextVar("portal_unscoped_reason", default=None)


def _checked_reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ScopingError("opting out of the scope needs a reason (a non-empty string)")
    return reason


def unscoped(stmt: M, reason: str) -> M:
    """``stmt`` marked to run without the scope hook, for ``reason`` (mandatory)."""
    return stmt.execution_options(**{UNSCOPED_OPTION: _checked_reason(reason)})


@contextmanager
def system_session(reason: str) -> Iterator[None]:
    """Run every statement inside the block without the scope hook, lazy loads included."""
    token = _SYSTEM_REASON.set(_checked_reason(reason))
    try:
        yield
    finally:
        _SYSTEM_REASON.reset(token)


def system_task(reason: str) -> Callable:
    """Decorator: the whole function runs in :func:`system_session` (CLI, demo loader)."""
    _checked_reason(reason)

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*args, **kwargs):
            with system_session(reason):
                return func(*args, **kwargs)

        return run

    return decorate


def system_reason() -> str | None:
    """The reason of the enclosing :func:`system_session`, if any."""
    return _SYSTEM_REASON.get()


def core_statement(stmt: M, name: str) -> M:
    """Tag ``stmt`` as the :data:`CORE_STATEMENTS` entry ``name`` (which must exist)."""
    if name not in CORE_STATEMENTS:
        raise ScopingError(f"{name!r} is not listed in tenants.scoping.CORE_STATEMENTS")
    return stmt.execution_options(**{CORE_OPTION: name})


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
    """Whether the user may ``action`` on an already loaded object (one small query)."""
    scope = scope or current_scope()
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


# URL arguments resolved before any view runs: name → (view keyword, model).
URL_ARGUMENTS: dict[str, tuple[str, type]] = {
    "org_id": ("organization", Organization),
    "municipality_id": ("municipality", Municipality),
    "region_id": ("region", Region),
}


def url_argument(name: str, keyword: str, model: type) -> None:
    """Declare that URL argument ``name`` is an id of ``model`` passed to views as ``keyword``."""
    URL_ARGUMENTS[name] = (keyword, model)


def _resolve_url_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values:
        return
    for name in [n for n in values if n in URL_ARGUMENTS]:
        keyword, model = URL_ARGUMENTS[name]
        values[keyword] = get_or_404(model, values.pop(name))


def init_app(app: Flask) -> None:
    """Install the scope hook and resolve tenant ids in every URL before the view is called."""
    from tenants import scope_hook

    tenant_models()  # fails now, not at the first request, for an unclassified model
    scope_hook.install()

    @app.url_value_preprocessor
    def _preprocess(endpoint, values):
        # Static files and anonymous pages carry no tenant ids; the login gate runs first.
        if request.endpoint and values:
            _resolve_url_ids(endpoint, values)

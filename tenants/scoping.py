"""The one scoping mechanism: the current user becomes a SQL predicate for any tenant data.

How it works:
* A :class:`Scope` is computed once per request from the user's role assignments
  (:func:`current_scope`) and gives a predicate per model and :class:`Action`.
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
* The scope's own subqueries are built on tables (``Model.__table__``), untouched by the hook.

Opting out (grep ``unscoped(``, ``system_session(``, ``system_task(``, ``Scope.system(``):
``unscoped(stmt, reason)`` runs one statement without the hook (execution option
``unscoped=<reason>``), ``with system_session(reason):`` a block (lazy loads included),
``@system_task(reason)`` a function. An empty reason raises :class:`ScopingError`, and so
does ``unscoped=""`` set by hand. ``Scope.system(reason)`` admits everything in explicit
predicates. Every place (``tests/test_scoping_hook.py`` fails on any other):

* ``portal/cli.py``, ``tenants/cli.py``: the CLI commands (``@system_task``);
* ``portal/demo/__init__.py``, ``portal/demo/synthetic.py``: the demo loader;
* ``portal/auth/sessions.py``: loading the signed-in account and its roles;
* ``tenants/scoping.py``: computing the user's own scope (:meth:`Scope.for_user`);
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

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, abort, has_request_context, request
from flask_login import current_user
from sqlalchemy.sql.elements import ColumnElement

from portal.extensions import db
from tenants.models import Municipality, Organization, Region, Role, Subordination
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
Predicate = ColumnElement[bool]

# Tables, not mapped classes, in the scope's own subqueries: the hook never reaches into them.
_REGIONS, _MUNICIPALITIES, _ORGANIZATIONS = (
    Region.__table__, Municipality.__table__, Organization.__table__)

class Action(StrEnum):
    """What a user wants to do with a tenant's data."""

    VIEW = "view"  # read it
    EDIT = "edit"  # change the organization's own data: the curator
    CONFIRM = "confirm"  # confirm what the curator submitted: the head
    REVIEW = "review"  # accept or return reports: the responsible level of the external contour
    MANAGE = "manage"  # accounts and the registry: the administrator
    PERSONAL_DATA = "personal_data"  # the register's people: own curator and head only


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
    is_system: bool = False  # Scope.system: admits even personal data (CLI, demo loader)

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
        checked_reason(reason)
        return cls(is_admin=True, is_system=True)

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
        sets = zip("RMCH", (self.region_ids, self.municipality_ids, self.curator_org_ids,
                            self.head_org_ids))
        admin = ("S" if self.is_system else "A") if self.is_admin else ""
        return "|".join([admin, *(tag + ",".join(map(str, sorted(ids))) for tag, ids in sets)])

    def _denies_personal(self, action: Action) -> bool:  # admins never; Scope.system does
        return action is Action.PERSONAL_DATA and not self.is_system

    # -- predicates ----------------------------------------------------------------------
    # ``on`` is the mapped class (the predicate filters that entity, adapted to its aliases)
    # or its table (inside the scope's own subqueries, which the hook must not touch).

    def organizations(self, action: Action = Action.VIEW, on: Any = Organization) -> Predicate:
        """Predicate on :class:`Organization` rows the user may act on."""
        if self.is_admin:
            return sa.false() if self._denies_personal(action) else sa.true()
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
        elif action is Action.PERSONAL_DATA and self.own_org_ids:
            clauses.append(_ids_in(orgs.id, self.own_org_ids))
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
            return sa.false() if self._denies_personal(action) else sa.true()
        if action is Action.VIEW and not (self.region_ids or self.municipality_ids):
            return _ids_in(org_column, self.own_org_ids)  # no subquery needed
        return org_column.in_(sa.select(_ORGANIZATIONS.c.id).where(
            self.organizations(action, on=_ORGANIZATIONS)))

    def readable(self, model: type) -> Predicate:
        """What the hook limits every query of ``model`` to: VIEW, plus context rows.

        The curator and head read the municipality and region their organization lies in
        (names on its card, the region's settings in the workflow) without being allowed
        their pages; a model declared :func:`personal_data_model` is read only with
        PERSONAL_DATA (the organization's curator and head: nobody else, whatever the query);
        everything else is exactly :meth:`predicate` for VIEW.
        """
        if model in personal_data_models() and not self.is_system:
            return self.predicate(model, Action.PERSONAL_DATA)
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
    _SHARED[model] = checked_reason(reason)
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

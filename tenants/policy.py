"""The scope policy: what each role may do (:class:`Action`), as a :class:`Scope` of tenant ids
that gives the SQL predicate per model; and which models are tenant data (:func:`scope_rule`,
:func:`shared_model`, :func:`tenant_models`).

:mod:`tenants.scoping` is the entry point (the hook, the current user's scope, the explicit
queries); its docstring describes the mechanism. The predicates' own subqueries are built on
tables (``Model.__table__``), untouched by the hook.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from portal.extensions import db
from tenants.models import Municipality, Organization, Region, Role, Subordination
from tenants.opt_out import ScopingError, checked_reason, system_session
from tenants.personal import personal_data_models

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

"""The one scoping mechanism: the current user becomes a SQL predicate for any tenant data.

Modelled on Superset's DAO ``base_filter``: reads go through :func:`scoped_select` or
:func:`get_or_404`, which add the user's predicate unless a caller opts out explicitly
with :meth:`Scope.system` (greppable). Ids that arrive in a URL are resolved here as well
(:func:`init_app` installs a URL value preprocessor), so a view never sees an object the
user may not see: out of scope answers 404, exactly like a missing id.
"""

from __future__ import annotations

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

M = TypeVar("M")
Predicate = ColumnElement[bool]


class Action(StrEnum):
    """What a user wants to do with a tenant's data."""

    VIEW = "view"  # read it
    EDIT = "edit"  # change the organization's own data: the curator
    CONFIRM = "confirm"  # confirm what the curator submitted: the head
    REVIEW = "review"  # accept or return reports: the responsible level of the external contour
    MANAGE = "manage"  # accounts and the registry: the administrator


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
        for assignment in user.role_assignments:
            tenant_id = (
                assignment.region_id or assignment.municipality_id or assignment.organization_id
            )
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
    def system(cls) -> Scope:
        """Explicit opt-out of scoping for CLI commands and the demo loader."""
        return cls(is_admin=True)

    @property
    def is_external(self) -> bool:
        """True for the external contour: administrators, regional and municipal coordinators."""
        return self.is_admin or bool(self.region_ids or self.municipality_ids)

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

    # -- predicates ---------------------------------------------------------------------

    def organizations(self, action: Action = Action.VIEW) -> Predicate:
        """Predicate on :class:`Organization` rows the user may act on."""
        if self.is_admin:
            return sa.true()
        clauses: list[Predicate] = []
        in_region = Organization.municipality_id.in_(
            sa.select(Municipality.id).where(Municipality.region_id.in_(self.region_ids))
        )
        municipal_subordinate = sa.and_(
            Organization.municipality_id.in_(self.municipality_ids),
            Organization.subordination == Subordination.MUNICIPAL,
        )
        if action is Action.VIEW:
            if self.region_ids:
                clauses.append(in_region)
            if self.municipality_ids:
                clauses.append(municipal_subordinate)
            org_ids = self.curator_org_ids | self.head_org_ids
            if org_ids:
                clauses.append(Organization.id.in_(org_ids))
        elif action is Action.EDIT and self.curator_org_ids:
            clauses.append(Organization.id.in_(self.curator_org_ids))
        elif action is Action.CONFIRM and self.head_org_ids:
            clauses.append(Organization.id.in_(self.head_org_ids))
        elif action is Action.REVIEW:
            # Municipal coordinators review municipally subordinate organizations; the
            # regional centre reviews the ones the region founded, wherever they lie.
            if self.municipality_ids:
                clauses.append(municipal_subordinate)
            if self.region_ids:
                clauses.append(
                    sa.and_(in_region, Organization.subordination == Subordination.REGIONAL)
                )
        return sa.or_(*clauses) if clauses else sa.false()

    def municipalities(self, action: Action = Action.VIEW) -> Predicate:
        """Predicate on :class:`Municipality` rows: the levels that oversee them."""
        if self.is_admin:
            return sa.true()
        if action not in (Action.VIEW, Action.REVIEW):
            return sa.false()
        clauses: list[Predicate] = []
        if self.region_ids:
            clauses.append(Municipality.region_id.in_(self.region_ids))
        if self.municipality_ids:
            clauses.append(Municipality.id.in_(self.municipality_ids))
        return sa.or_(*clauses) if clauses else sa.false()

    def regions(self, action: Action = Action.VIEW) -> Predicate:
        """Predicate on :class:`Region` rows: only regional coordinators see (and run) a region."""
        if self.is_admin:
            return sa.true()
        if action not in (Action.VIEW, Action.REVIEW, Action.MANAGE) or not self.region_ids:
            return sa.false()
        return Region.id.in_(self.region_ids)

    def predicate(self, model: type, action: Action = Action.VIEW) -> Predicate:
        """Predicate on any scoped model: a registered rule, or its ``organization_id``."""
        rule = _RULES.get(model)
        if rule is not None:
            return rule(self, action)
        org_column = getattr(model, "organization_id", None)
        if org_column is None:
            raise TypeError(f"{model.__name__} has no scoping rule; register one")
        return org_column.in_(sa.select(Organization.id).where(self.organizations(action)))


_RULES: dict[type, Callable[[Scope, Action], Predicate]] = {
    Organization: Scope.organizations,
    Municipality: Scope.municipalities,
    Region: Scope.regions,
}


def scope_rule(model: type) -> Callable:
    """Register the predicate for a model that is not owned through ``organization_id``."""

    def register(func: Callable[[Scope, Action], Predicate]) -> Callable:
        _RULES[model] = func
        return func

    return register


def current_scope() -> Scope:
    """The scope of the user of this request, computed once per request."""
    if not has_request_context():
        return Scope()
    scope = getattr(request, "_portal_scope", None)
    if scope is None:
        scope = request._portal_scope = Scope.for_user(current_user)
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


# -- URL arguments ------------------------------------------------------------------------
#
# Every id in a URL is declared once: the view keyword it arrives as, its model, and the
# model's parents (relationships one level up: a period belongs to a region, an event to a
# roadmap). Before any view runs, each id is loaded through the scope, then every two
# objects of the URL must agree on every level they share (an organization and a period:
# the region); a mismatch answers 404, the same as an id out of scope.

# URL argument name → (view keyword, model).
URL_ARGUMENTS: dict[str, tuple[str, type]] = {}
# Model → the names of its relationships that lead one level up the tenant hierarchy.
PARENTS: dict[type, tuple[str, ...]] = {}


def belongs_to(model: type, *relationships: str) -> None:
    """Declare ``model``'s parents: each relationship leads one level up (to one row)."""
    for name in relationships:
        if not hasattr(model, name):
            raise TypeError(f"{model.__name__} has no relationship {name!r}")
    PARENTS[model] = tuple(relationships)


def url_argument(name: str, keyword: str, model: type, parents: tuple[str, ...] = ()) -> None:
    """Declare that URL argument ``name`` is an id of ``model`` passed to views as ``keyword``.

    ``parents`` names the relationships of ``model`` that lead one level up; objects of one
    URL must agree on every level they share (see :func:`check_together`).
    """
    URL_ARGUMENTS[name] = (keyword, model)
    if parents:
        belongs_to(model, *parents)


def levels(model: type) -> dict[type, tuple[str, ...]]:
    """``model`` itself and every level above it, each with the shortest path to it."""
    paths: dict[type, tuple[str, ...]] = {model: ()}
    frontier = [model]
    while frontier:  # breadth first, so the first path found to a level is the shortest
        current = frontier.pop(0)
        for name in PARENTS.get(current, ()):
            parent = sa.inspect(current).relationships[name].mapper.class_
            if parent not in paths:
                paths[parent] = (*paths[current], name)
                frontier.append(parent)
    return paths


def shared_levels(first: type, second: type) -> set[type]:
    """The levels two models must agree on when both appear in one URL."""
    shared = levels(first).keys() & levels(second).keys()
    return shared - {first} if first is second else shared


def _level_id(obj: Any, path: tuple[str, ...]) -> Any:
    """The id of the row ``path`` leads to; the last step reads the foreign key, not the row."""
    if not path:
        return sa.inspect(obj).identity[0]
    for name in path[:-1]:
        obj = getattr(obj, name)
        if obj is None:
            return None
    mapper = sa.inspect(type(obj))
    (column,) = mapper.relationships[path[-1]].local_columns
    return getattr(obj, mapper.get_property_by_column(column).key)


def check_together(objects: list[Any]) -> None:
    """Answer 404 unless every two ``objects`` agree on every level they share."""
    for index, first in enumerate(objects):
        for second in objects[index + 1:]:
            first_paths, second_paths = levels(type(first)), levels(type(second))
            for level in shared_levels(type(first), type(second)):
                if _level_id(first, first_paths[level]) != _level_id(second, second_paths[level]):
                    abort(404)  # ids that do not belong together: as if one did not exist


def _id_limit(model: type) -> int:
    """The largest id the primary key column can hold (PostgreSQL INTEGER is 32 bits)."""
    column_type = sa.inspect(model).primary_key[0].type
    return 2**63 - 1 if isinstance(column_type, sa.BigInteger) else 2**31 - 1


def _resolve_url_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values:
        return
    names = [n for n in values if n in URL_ARGUMENTS]
    for name in names:
        value = values[name]
        # A number the column cannot hold names no row: 404, before the database overflows.
        if isinstance(value, int) and not 0 <= value <= _id_limit(URL_ARGUMENTS[name][1]):
            abort(404)
    resolved = []
    for name in names:
        keyword, model = URL_ARGUMENTS[name]
        values[keyword] = get_or_404(model, values.pop(name))
        resolved.append(values[keyword])
    check_together(resolved)


url_argument("region_id", "region", Region)
url_argument("municipality_id", "municipality", Municipality, parents=("region",))
url_argument("org_id", "organization", Organization, parents=("municipality",))


def init_app(app: Flask) -> None:
    """Resolve tenant ids in every URL through the scope before the view is called."""

    @app.url_value_preprocessor
    def _preprocess(endpoint, values):
        # Static files and anonymous pages carry no tenant ids; the login gate runs first.
        if request.endpoint and values:
            _resolve_url_ids(endpoint, values)

"""URL arguments: each id in a URL declared once, loaded through the scope, checked together.

Every id in a URL is declared once: the view keyword it arrives as, its model, and the
model's parents (relationships one level up: a period belongs to a region, an event to a
roadmap). Before any view runs, each id is loaded through the scope
(:func:`tenants.scoping.get_or_404`), then every two objects of the URL must agree on every
level they share (an organization and a period: the region); a mismatch answers 404, the
same as an id out of scope. The URL value preprocessor is installed by
:func:`tenants.scoping.init_app`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort

from tenants.models import Municipality, Organization, Region

# URL argument name → (view keyword, model).
URL_ARGUMENTS: dict[str, tuple[str, type]] = {}
# URL argument name → the action its object is loaded with, when not VIEW (a string: the
# Action enum lives in tenants.scoping, which imports this module).
URL_ACTIONS: dict[str, str] = {}
# Model → the names of its relationships that lead one level up the tenant hierarchy.
PARENTS: dict[type, tuple[str, ...]] = {}


def belongs_to(model: type, *relationships: str) -> None:
    """Declare ``model``'s parents: each relationship leads one level up (to one row)."""
    for name in relationships:
        if not hasattr(model, name):
            raise TypeError(f"{model.__name__} has no relationship {name!r}")
    PARENTS[model] = tuple(relationships)


def url_argument(name: str, keyword: str, model: type, parents: tuple[str, ...] = (),
                 action: str = "view") -> None:
    """Declare that URL argument ``name`` is an id of ``model`` passed to views as ``keyword``.

    ``parents`` names the relationships of ``model`` that lead one level up; objects of one
    URL must agree on every level they share (see :func:`check_together`). ``action``: the
    :class:`~tenants.scoping.Action` the id is loaded with (``personal_data``: only the
    organization's curator and head get the object, everyone else 404).
    """
    URL_ARGUMENTS[name] = (keyword, model)
    if action != "view":
        URL_ACTIONS[name] = action
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


def resolve_url_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Load every declared id of the URL through the scope, then check they belong together."""
    from tenants.scoping import Action, get_or_404  # the scope imports this module

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
        values[keyword] = get_or_404(model, values.pop(name),
                                     Action(URL_ACTIONS.get(name, Action.VIEW)))
        resolved.append(values[keyword])
    check_together(resolved)


url_argument("region_id", "region", Region)
url_argument("municipality_id", "municipality", Municipality, parents=("region",))
url_argument("org_id", "organization", Organization, parents=("municipality",))

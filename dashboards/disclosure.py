"""What a dashboard may show of organizations the viewer may not open (issue 10, item 7).

The external contour sees aggregates; an organization's values stay inside it. Reference
values (the region's, a type's, a municipality's line beside the organizations a viewer
may see) are the one place where other organizations' reports reach a viewer, and three
rules keep any of them, or any combination of them, from giving one organization's value:

1. **Accepted reports only** (:data:`REFERENCE_STATES`), whatever the "submitted" switch
   says: otherwise the same reference with and without the switch differs by exactly the
   reports submitted meanwhile, often one organization's.
2. **Minimum group** (:func:`too_small`): a value of fewer than :data:`MIN_GROUP`
   organizations is hidden, and so is one to which fewer than ``MIN_GROUP - 1``
   organizations the viewer may not see contribute: who knows the rest would learn theirs
   (with three, a contributor subtracting its own value still faces two unknowns).
3. **No differencing** (:func:`hide_exposed`): the region, each type in it and each group
   (a municipality's municipally subordinate organizations, or the regionally
   subordinate ones) are computed together, and cells are hidden until no sum or
   difference of the cells shown isolates too few such organizations — the region minus
   the types shown, a type minus a municipality that holds all its schools, and so on
   (complementary suppression). The audit is linear algebra over the finest cells
   (type × group): exact for ``MIN_GROUP = 3``, where the only group too small is one
   organization, which no combination can split from its cell-mates.

Which organizations a viewer "may see" is the viewer's own scope, so a curator's references
leave out only its own organization, a municipal coordinator's the whole municipality.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from dashboards import queries
from dashboards.metrics import Aggregate, Metric, Metrics
from dashboards.queries import ACCEPTED, Selection
from tenants.scoping import Scope

MIN_GROUP = 3
REFERENCE_STATES = ACCEPTED
CELL_GRAIN = ("period_id", "type", "group", "visible")
REGION = ("region", None)


def too_few_unseen(unseen: int) -> bool:
    """Whether a sum over ``unseen`` organizations the viewer may not see would give them
    away: more than none, fewer than MIN_GROUP - 1."""
    return 0 < unseen < MIN_GROUP - 1


def too_small(total: int, unseen: int) -> bool:
    """The minimum group, applied by every dashboard: a value of ``total`` reporting
    organizations, ``unseen`` of them invisible to the viewer, is hidden when ``total`` is
    below MIN_GROUP or the unseen ones are too few (:func:`too_few_unseen`)."""
    return 0 < total < MIN_GROUP or too_few_unseen(unseen)


def _cells(fine: pd.DataFrame, n: str) -> tuple[dict, dict, dict]:
    """Per cell (region, each type, each group): its reporting count, its unseen count,
    and the unseen count of each finest (type, group) cell."""
    unseen = fine[fine["visible"] == 0]
    total_n = {REGION: int(fine[n].sum())}
    unseen_n = {REGION: int(unseen[n].sum())}
    for level in ("type", "group"):
        for key, count in fine.groupby(level)[n].sum().items():
            total_n[(level, key)] = int(count)
        for key, count in unseen.groupby(level)[n].sum().items():
            unseen_n[(level, key)] = int(count)
    finest = {k: int(c) for k, c in unseen.groupby(["type", "group"])[n].sum().items() if c}
    return total_n, unseen_n, finest


def _holds(cell: tuple[str, Any], finest: tuple[str, int]) -> bool:
    """Whether a cell (the region, a type, a group) adds up a finest (type, group) cell."""
    return cell == REGION or finest[0 if cell[0] == "type" else 1] == cell[1]


def _exposed(shown: list, finest: dict) -> list:
    """The finest cells of too few unseen organizations that some combination of the
    ``shown`` cells isolates: their unit vector lies in the span of the cells' vectors."""
    small = [f for f, count in finest.items() if too_few_unseen(count)]
    if not small or not shown:
        return []
    columns = list(finest)
    types = np.array([str(f[0]) for f in columns], dtype=object)
    groups = np.array([f[1] for f in columns], dtype=object)
    matrix = np.array([np.ones(len(columns)) if cell == REGION else
                       ((types if cell[0] == "type" else groups) == cell[1]).astype(float)
                       for cell in shown])
    _u, singular, rows = np.linalg.svd(matrix, full_matrices=False)
    basis = rows[singular > 1e-9]
    reach = (basis ** 2).sum(axis=0)  # |projection of each unit vector on the span|²
    position = {f: i for i, f in enumerate(columns)}
    return [f for f in small if reach[position[f]] > 1 - 1e-6]


def _complete(level: str, hidden: set, unseen_n: dict) -> None:
    """Complementary suppression within one partition of the region (its types, or its
    groups): the region minus the cells shown gives the hidden ones together, so while
    they hold too few unseen organizations the next smallest sibling is hidden too (the
    region itself stays: a sibling keeps more of the picture)."""
    siblings = [c for c in unseen_n if c[0] == level]
    while too_few_unseen(sum(unseen_n[c] for c in siblings if c in hidden)):
        shown = [c for c in siblings if c not in hidden and unseen_n[c]]
        if not shown:
            return
        hidden.add(min(shown, key=lambda c: (unseen_n[c], str(c))))


def hide_exposed(fine: pd.DataFrame, n: str) -> set[tuple[str, Any]]:
    """The cells of one period and one metric to hide (rules 2 and 3 of the module).

    ``fine``: rows at (type, group, visible) with the reporting count in column ``n``.
    First every cell too small by itself, then their complements within the types and
    within the groups, then, while a combination of the cells shown still isolates too few
    unseen organizations, the smallest shown cell holding one.
    """
    total_n, unseen_n, finest = _cells(fine, n)
    hidden = {cell for cell in total_n if too_small(total_n[cell], unseen_n.get(cell, 0))}
    for level in ("type", "group"):
        _complete(level, hidden, unseen_n)
    while True:
        # Cells of visible organizations only are known to the viewer anyway.
        shown = [c for c in total_n if c not in hidden and unseen_n.get(c, 0)]
        exposed = _exposed(shown, finest)
        if not exposed:
            return hidden
        holding = [c for c in shown if any(_holds(c, f) for f in exposed)]
        hidden.add(min(holding, key=lambda c: (unseen_n[c], c == REGION, str(c))))


@functools.lru_cache(maxsize=4096)
def _hidden_for(counts: tuple) -> frozenset:
    """:func:`hide_exposed` of one pattern of counts ``(type, group, visible, n)``: a pure
    function of the counts, so each worker audits a pattern once (it changes only when a
    report is accepted or an organization is added) instead of at every page."""
    table = pd.DataFrame(list(counts), columns=["type", "group", "visible", "n"])
    return frozenset(hide_exposed(table, "n"))


@dataclass
class References:
    """Reference values per period: the region, each type in it, each group. A hidden
    value is NaN; ``changed`` is the last change of a counted report."""

    levels: dict[tuple[str, Any], pd.DataFrame]  # cell → period_id and one column per metric
    changed: datetime | None

    def region(self) -> pd.DataFrame:
        return self.levels[REGION]

    def of_type(self, org_type: Any) -> pd.DataFrame:
        return self.levels.get(("type", str(org_type)), self._empty())

    def of_group(self, group: int) -> pd.DataFrame:
        return self.levels.get(("group", group), self._empty())

    def _empty(self) -> pd.DataFrame:
        return self.region().iloc[0:0]


def _level_values(found: Aggregate, level: str | None, codes: list[str]) -> dict:
    if level is None:
        return {REGION: found.rollup(["period_id"]).values(codes)}
    values = found.rollup(["period_id", level]).values(codes)
    return {(level, key): rows.drop(columns=[level]).reset_index(drop=True)
            for key, rows in values.groupby(level)}


def references(metrics: list[Metric], catalogue: Metrics, selection: Selection,
               viewer: Scope, scope: Scope) -> References:
    """The region's reference cells for ``viewer``: one statement over the region's
    accepted reports (``scope``: the caller's explicit system scope; sums only, no
    names), the cells computed by adding up, the ones too small or exposed hidden."""
    found = queries.aggregate(metrics, catalogue,
                              selection.but(states=REFERENCE_STATES, viewer=viewer),
                              CELL_GRAIN, scope, labels=False)
    found.frame["type"] = found.frame["type"].astype(str)
    codes = [m.code for m in metrics]
    levels = {**_level_values(found, None, codes), **_level_values(found, "type", codes),
              **_level_values(found, "group", codes)}
    fine = found.values(codes)
    decided: dict[tuple, set] = {}  # metrics reported by the same organizations: one audit
    for code in codes:
        for period_id, rows in fine.groupby("period_id"):
            counts = tuple(zip(rows["type"], rows["group"], rows["visible"], rows[code + "__n"]))
            if counts not in decided:
                decided[counts] = _hidden_for(counts)
            for cell in decided[counts]:
                frame = levels[cell]
                frame.loc[frame["period_id"] == period_id, code] = np.nan
    return References(levels, found.changed())


def distribution(metric: Metric, catalogue: Metrics, selection: Selection, viewer: Scope,
                 scope: Scope) -> pd.Series:
    """The metric of every organization of ``selection`` (accepted reports), without names
    or ids: only the values, for a histogram; none when the group is too small."""
    found = queries.aggregate([metric], catalogue,
                              selection.but(states=REFERENCE_STATES, viewer=viewer),
                              ("organization_id", "visible"), scope, labels=False,
                              changed=False).values()
    found = found[found[metric.code].notna()]
    if too_small(len(found), int((found["visible"] == 0).sum())):
        return pd.Series([], dtype=float)
    return found[metric.code].reset_index(drop=True)

"""What a dashboard can plot: the catalogue's base indicators and the derived indicators.

Every metric is aggregated through *additive partial sums* (Σ value, Σ value × weight,
Σ of each part over complete reports, number of reporting organizations). SQL computes
the partial sums at the finest grain a chart needs; coarser levels add them up; the
metric is computed only at the level shown. So the coverage of a municipality is its
Σ mentees / its Σ staff, never an average of its organizations' percentages, and an
organization that did not report adds nothing, not a zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import rules
from portal.catalogue.models import Indicator, Unit

# Means of percentages and scores are weighted by the people they describe.
MEAN_WEIGHTS = {"satisfaction_mentors": "mentors"}
DEFAULT_MEAN_WEIGHT = "mentees"
DEFAULT_METRIC = "mentee_coverage"
KEY_METRICS = ("mentee_coverage", "young_coverage", "mentor_share", "mentor_load",
               "programme_completion", "students_passed_pct", "satisfaction_mentees",
               "satisfaction_mentors")
# Decimal places shown, plotted and exported, per unit.
PRECISION = {"count": 0, "percent": 1, "ratio": 2, "score": 2}
UNIT_CAPTIONS = {"count": _l("people / items"), "percent": _l("%"),
                 "ratio": _l("mentees per mentor"),
                 "score": _l("points (1–10)")}
DERIVED_SECTION = "derived"


class Kind(StrEnum):
    SUM = "sum"  # counts: Σ value
    MEAN = "mean"  # percentages and scores: Σ value × weight / Σ weight
    RATIO = "ratio"  # derived: Σ numerator / Σ denominator × scale


@dataclass(frozen=True)
class Metric:
    """One plottable indicator and the partial sums it is computed from."""

    code: str
    label: str
    unit: str  # count, percent, ratio, score
    kind: Kind
    section: str
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    scale: float = 1.0
    weight: str | None = None

    @property
    def derived(self) -> bool:
        return self.kind is Kind.RATIO

    @property
    def parts(self) -> tuple[str, ...]:
        """Base indicator codes read from the reports."""
        if self.kind is Kind.RATIO:
            return rules.parts_of(self.numerator, self.denominator)
        return (self.code,) + ((self.weight,) if self.weight else ())

    @property
    def precision(self) -> int:
        return PRECISION.get(self.unit, 2)

    @property
    def unit_caption(self) -> str:
        return str(UNIT_CAPTIONS.get(self.unit, ""))

    def partials(self, column: Callable[[str], sa.ColumnElement]) -> dict[str, sa.ColumnElement]:
        """SQL aggregate expressions of the additive partial sums, by partial name.

        ``column(code)`` is the per-report value of a base indicator (NULL when missing).
        """
        if self.kind is Kind.SUM:
            x = column(self.code)
            return {"n": sa.func.count(x), "s": sa.func.sum(x)}
        if self.kind is Kind.MEAN:
            x = column(self.code)
            found = {"n": sa.func.count(x), "s": sa.func.sum(x)}
            if self.weight:
                w = sa.func.coalesce(column(self.weight), 0.0)
                found["xw"] = sa.func.sum(x * w)
                found["w"] = sa.func.sum(sa.case((x.is_not(None), w)))
            return found
        # A ratio counts only the reports that have every part (the rule of portal/rules.py).
        return rules.ratio_partials(self.parts, column)

    def values(self, frame: pd.DataFrame | Mapping[str, np.ndarray], prefix: str) -> np.ndarray:
        """The metric at the level of each row, from partial sums already added up to it.

        ``frame``: the partial-sum columns, as a data frame or as float arrays by name.
        Plain numpy on whole columns: a page computes a few dozen of these, and pandas'
        per-operation overhead would cost more than the SQL.
        """

        def col(name: str) -> np.ndarray:
            found = frame[prefix + name]
            if isinstance(found, np.ndarray):
                return found
            return found.to_numpy(dtype=float, na_value=np.nan)

        n = np.nan_to_num(col("n"))
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.kind is Kind.SUM:
                value = col("s")
            elif self.kind is Kind.MEAN:
                value = col("s") / np.where(n > 0, n, np.nan)
                if self.weight:
                    w = np.nan_to_num(col("w"))
                    weighted = col("xw") / np.where(w > 0, w, np.nan)
                    value = np.where(w > 0, weighted, value)
            else:
                sums = {p: np.nan_to_num(col(f"p{i}")) for i, p in enumerate(self.parts)}
                value = rules.ratio(self.numerator, self.denominator, self.scale, sums)
        value = np.where((n > 0) & np.isfinite(value), value, np.nan)
        return np.round(value, self.precision)


@dataclass
class Metrics:
    """The metrics of the current catalogue, in menu order."""

    items: list[Metric]
    indicator_ids: dict[str, int]
    section_labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code = {m.code: m for m in self.items}

    def get(self, code: str | None) -> Metric | None:
        return self.by_code.get(code or "")

    def default(self) -> Metric | None:
        """The metric shown first; None for a form without numeric items (a form of yes/no
        items only: the dashboards show its answers and the reporting status)."""
        return self.by_code.get(DEFAULT_METRIC) or (self.items[0] if self.items else None)

    def key(self) -> list[Metric]:
        return [self.by_code[c] for c in KEY_METRICS if c in self.by_code]

    def groups(self) -> list[tuple[str, list[Metric]]]:
        """Metrics grouped by section for a select box: derived first."""
        groups: dict[str, list[Metric]] = {}
        for metric in self.items:
            groups.setdefault(metric.section, []).append(metric)
        return [(self.section_labels.get(s, s), ms) for s, ms in groups.items()]

    def parts(self, metrics: Iterable[Metric]) -> dict[str, int]:
        """Indicator ids of every base code the metrics read."""
        codes = dict.fromkeys(code for m in metrics for code in m.parts)
        return {c: self.indicator_ids[c] for c in codes if c in self.indicator_ids}


def build_metrics(indicators: list[Indicator], section_labels: dict[str, str]) -> Metrics:
    """Metrics from a form version's rows: the derived ones whose parts the version has
    (portal.rules.derived_for), then base ones."""
    active = [i for i in indicators if i.retired_at is None]
    ids = {i.code: i.id for i in indicators}
    items: list[Metric] = []
    for d in rules.derived_for(indicators):
        items.append(Metric(d.code, str(d.label), "ratio" if d.unit == "ratio" else "percent",
                            Kind.RATIO, DERIVED_SECTION, d.numerator, d.denominator,
                            float(d.scale)))
    for indicator in active:
        unit = indicator.kind.value
        if not indicator.kind.is_numeric:
            continue  # the share answering yes is not a sum or a mean (issue 11 §8)
        if unit == Unit.COUNT:
            items.append(Metric(indicator.code, indicator.label(), unit, Kind.SUM,
                                indicator.section))
        else:
            weight = MEAN_WEIGHTS.get(indicator.code, DEFAULT_MEAN_WEIGHT)
            items.append(Metric(indicator.code, indicator.label(), unit, Kind.MEAN,
                                indicator.section, weight=weight if weight in ids else None))
    return Metrics(items, ids, section_labels)


def add_values(frame: pd.DataFrame, metrics: Iterable[Metric], prefixes: dict[str, str]
               ) -> pd.DataFrame:
    """A frame of one column per metric (named by its code) and ``<code>__n``, the number
    of organizations it is computed from, aligned with ``frame``."""
    metrics = list(metrics)
    names = [c for c in frame.columns if c.startswith(tuple(prefixes[m.code] for m in metrics))]
    # One conversion of all the partial sums to a float block, then columns by name.
    block = frame[names].to_numpy(dtype=float, na_value=np.nan) if names else np.empty((0, 0))
    arrays = {name: block[:, i] for i, name in enumerate(names)}
    columns: dict[str, np.ndarray] = {}
    for metric in metrics:
        prefix = prefixes[metric.code]
        columns[metric.code] = metric.values(arrays, prefix)
        columns[metric.code + "__n"] = np.nan_to_num(arrays[prefix + "n"]).astype(int)
    return pd.DataFrame(columns, index=frame.index)


@dataclass
class Aggregate:
    """Partial sums of some metrics at some grain (one row per group), ready to roll up."""

    frame: pd.DataFrame  # grain columns, partial sums, ``reports`` and ``changed``
    metrics: list[Metric]
    prefixes: dict[str, str]  # metric code → prefix of its partial-sum columns
    grain: tuple[str, ...]

    @property
    def partial_columns(self) -> list[str]:
        prefixes = tuple(self.prefixes.values())
        return [c for c in self.frame.columns if c.startswith(prefixes)]

    def filter(self, mask: pd.Series) -> Aggregate:
        return Aggregate(self.frame[mask], self.metrics, self.prefixes, self.grain)

    def rollup(self, by: Iterable[str] = ()) -> Aggregate:
        """Add the partial sums up to a coarser grain (``()``: a single total row)."""
        by = list(by)
        columns = self.partial_columns + ["reports"]
        frame = self.frame
        if not by:
            # One row of totals, summed in numpy (a sum of nothing stays missing).
            block = frame[columns].to_numpy(dtype=float, na_value=np.nan)
            present = ~np.isnan(block)
            sums = np.where(present.any(axis=0), np.nansum(block, axis=0), np.nan)
            totals = pd.DataFrame([sums], columns=columns)
            if "changed" in frame:
                totals["changed"] = [frame["changed"].max() if len(frame) else None]
            totals["reports"] = totals["reports"].fillna(0)
            return Aggregate(totals, self.metrics, self.prefixes, ())
        grouped = frame.groupby(by, sort=False, dropna=False, observed=True)
        rolled = grouped[columns].sum(min_count=1)
        if "changed" in frame:
            rolled["changed"] = grouped["changed"].max()
        return Aggregate(rolled.reset_index(), self.metrics, self.prefixes, tuple(by))

    def values(self, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """Grain columns and other non-partial columns (``label``, ``reports``,
        ``changed``…), then one column per metric and ``<code>__n`` (reporting count)."""
        wanted = set(codes) if codes is not None else None
        metrics = [m for m in self.metrics if wanted is None or m.code in wanted]
        partial = set(self.partial_columns)
        kept = self.frame[[c for c in self.frame.columns if c not in partial]]
        computed = add_values(self.frame, metrics, self.prefixes)
        return pd.concat([kept, computed], axis=1)

    def changed(self):
        """The last time a counted report of this data changed (None without data)."""
        if "_changed" not in self.__dict__:
            value = None
            if not self.frame.empty and "changed" in self.frame:
                found = max((v for v in self.frame["changed"].tolist() if v is not None
                             and not pd.isna(v)), default=None)
                value = None if found is None else pd.Timestamp(found).to_pydatetime()
            self.__dict__["_changed"] = value
        return self.__dict__["_changed"]

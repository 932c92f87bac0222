"""Derived indicators: computed from sums at the level shown, never typed or averaged."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Derived:
    code: str
    label: object  # a lazy string
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    scale: int = 100  # percent; 1 for ratios such as mentor load
    unit: str = "percent"

    def compute(self, sums: Mapping[str, Decimal | float | int | None]) -> float | None:
        """Σ numerator / Σ denominator × scale; None when a part is missing or zero."""
        parts = [sums.get(c) for c in self.numerator + self.denominator]
        if any(p is None for p in parts):
            return None
        numerator = sum(float(sums[c]) for c in self.numerator)
        denominator = sum(float(sums[c]) for c in self.denominator)
        if denominator == 0:
            return None
        return numerator / denominator * self.scale


DERIVED = [
    Derived("mentee_coverage", _l("Mentee coverage"), ("mentees",), ("staff_total",)),
    Derived("young_coverage", _l("Young-specialist coverage"), ("mentees_young",),
            ("young_specialists",)),
    Derived("mentor_share", _l("Mentor share"), ("mentors",), ("staff_total",)),
    Derived("mentor_load", _l("Mentor load (mentees per mentor)"), ("mentees",), ("mentors",),
            scale=1, unit="ratio"),
    Derived("programme_completion", _l("Programme completion"), ("programmes_completed",),
            ("programmes_completed", "programmes_ended_early")),
]
DERIVED_BY_CODE = {d.code: d for d in DERIVED}

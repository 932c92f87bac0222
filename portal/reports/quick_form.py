"""What makes the report form quicker than Excel (issue 11 §9), apart from the page itself:
the error summary's links, the running sums of groups, «в разделе нет данных — везде 0».

A blank is never turned into a zero unless the curator asks for it, section by section.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass

from portal.catalogue.models import Indicator, Unit
from portal.reports.sum_groups import SumGroup
from portal.reports.validation import Outcome
from portal.reports.values import parse_value

ZERO_ACTION = "zero:"  # the value of a section's «везде 0» button: zero:<section code>
NUMERIC_KINDS = (Unit.COUNT, Unit.PERCENT, Unit.SCORE, Unit.NUMBER)


def zeroable(indicator: Indicator) -> bool:
    """A numeric item that accepts 0 (not a score of 1–10, nor a number bounded above 0)."""
    return indicator.kind in NUMERIC_KINDS and parse_value(indicator, "0").error is None


def fill_zeros(indicators: Iterable[Indicator], section: str,
               typed: MutableMapping[str, str]) -> list[str]:
    """Put 0 into the blank numeric cells of one section of ``typed``; the codes filled.
    A cell with anything typed in it, or of another section, is left as it is."""
    filled = []
    for indicator in indicators:
        if indicator.section == section and zeroable(indicator) \
                and not (typed.get(indicator.code) or "").strip():
            typed[indicator.code] = "0"
            filled.append(indicator.code)
    return filled


def zero_section(action: str | None, sections: Iterable[str]) -> str | None:
    """The section whose «везде 0» button was pressed, if one of ``sections`` was."""
    if not action or not action.startswith(ZERO_ACTION):
        return None
    section = action[len(ZERO_ACTION):]
    return section if section in set(sections) else None


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary: where the field is and what is wrong with it."""

    anchor: str  # an element id on the page, or "" when no field stands for it
    label: str
    message: str


def error_links(outcome: Outcome, labels: Mapping[str, str],
                totals: Mapping[str, str] | None = None) -> list[ErrorLink]:
    """A link per error to the field that has to change: the explanation of a warning that
    is not explained yet, the total of a group that does not add up (``totals``: rule code →
    total code), else the first item of the error that the form shows."""
    warned = {w.key for w in outcome.warnings}
    links = []
    for problem in outcome.errors:
        shown = [code for code in problem.codes if code in labels]
        if problem.key and problem.key in warned:
            links.append(ErrorLink(f"x-{problem.key}", "", problem.message))
            continue
        code = (totals or {}).get(problem.key) if problem.key else None
        code = code if code in labels else (shown[0] if shown else None)
        links.append(ErrorLink(f"v-{code}" if code else "", labels.get(code, ""),
                               problem.message))
    return links


def group_states(groups: Iterable[SumGroup], values: Mapping[str, str]
                 ) -> dict[str, list[tuple[SumGroup, object, bool]]]:
    """The running sums to show under each total: total code → (group, sum, mismatch)."""
    found: dict[str, list[tuple[SumGroup, object, bool]]] = {}
    for group in groups:
        running, mismatch = group.state(values)
        found.setdefault(group.total, []).append((group, running, mismatch))
    return found

"""Reading an uploaded report file into what it says: cells by row and column, and problems.

Pure: the file's bytes and plain data in — the catalogue as :class:`IndicatorSpec`, the
organization or municipality and the quarter the file must be for, the organizations the
user may report for — plain data out. No database, no request, no translation: problems
and rejections are keys with parameters, worded in the user's language when shown.
:mod:`portal.report_files.upload` looks up what is passed in and compares the result with the
stored values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from portal.report_files import file_format as fmt
from portal.tabular import Formula, Grid, as_date, find_header, normalize_header, normalize_raw

KIND_REPORT, KIND_BULK = "report", "bulk"
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class IndicatorSpec:
    """What the parser needs of a catalogue indicator."""

    code: str
    applies_to: frozenset[str]  # organization type values
    retired: bool = False

    def applies(self, org_type: str) -> bool:
        return org_type in self.applies_to


@dataclass(frozen=True)
class OrganizationSpec:
    """What the parser needs of an organization."""

    id: int
    code: str
    type: str  # an OrganizationType value
    is_active: bool = True


@dataclass(frozen=True)
class Quarter:
    """The period a file is uploaded for: a quarter (year and number), or any other
    collection by its ``tag`` (:attr:`portal.reports.models.Period.file_tag`)."""

    year: int | None
    quarter: int | None
    tag: str = ""


class Rejected(ValueError):
    """The file as a whole cannot be used; ``key`` and ``params`` say why."""

    def __init__(self, key: str, **params: Any):
        super().__init__(key)
        self.key, self.params = key, params


_WRONG_KIND = {fmt.FORMAT_REPORT: "municipal_file", fmt.FORMAT_BULK: "report_file"}
_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}
_QUARTER_TEXT = re.compile(r"\b(IV|III|II|I) (?:квартал|quarter) (\d{4})\b")
_OWNER_TEXT = re.compile(r"^(\S+) [—–-] ")
# The labels of those rows in either language of the template.
_OWNER_LABELS = {"organization": ("организация", "organization"),
                 "municipality": ("муниципалитет", "муниципальное образование", "municipality")}


def _visible_meta(grid: Grid, position: int, key: str) -> dict[str, str]:
    """What the rows above the header say the file is for: the «Организация» or
    «Муниципалитет» row (code — name) and the «Период» row of a template, which Excel and
    LibreOffice keep when the template is saved as CSV (the hidden metadata sheet is lost)."""
    found: dict[str, str] = {}
    for _line, values in grid.rows[:position]:
        texts = [str(v).strip() for v in values if v is not None]
        labels = [normalize_header(t) for t in texts]
        at = next((i for i, text in enumerate(labels[:-1]) if text in _OWNER_LABELS[key]), None)
        if at is not None:
            owner = _OWNER_TEXT.match(texts[at + 1])
            if owner:
                found[key] = owner.group(1)
        period = _QUARTER_TEXT.search(" ".join(texts))
        if period and any(text.startswith(("период", "period")) for text in labels):
            found["year"], found["quarter"] = period.group(2), _ROMAN[period.group(1)]
    return found


def _check_meta(grid: Grid, position: int, expected: str, key: str, code: str,
                quarter: Quarter) -> None:
    """A template names what it is for; a file for another tenant or quarter is refused.

    The hidden metadata sheet of an XLSX template says it; a template saved as CSV says it
    in its top rows, checked the same way.
    """
    meta = {**_visible_meta(grid, position, key), **grid.meta}
    kind = meta.get("format")
    if kind and kind != expected:
        raise Rejected(_WRONG_KIND[expected])
    owner = meta.get(key)
    if owner and owner != code:
        raise Rejected(f"other_{key}", other=owner, code=code)
    year, number = meta.get("year"), meta.get("quarter")
    if year and number and (year, number) != (str(quarter.year), str(quarter.quarter)):
        raise Rejected("other_quarter", year=year, quarter=number)
    tag = meta.get("period")
    if tag and (quarter.quarter is not None or tag != quarter.tag):
        raise Rejected("other_period", other=tag)


def _problem(line: int | None, column: str, kind: str, **params: Any) -> dict:
    return {"l": line, "k": column, "p": kind, "a": params}


def _missing(columns: str, header: list[Any] | None) -> Rejected:
    """The refusal of a file without the column ``columns`` (its CSV name, worded when shown)."""
    if header is None:
        return Rejected("missing_column", columns=columns)
    found = ", ".join(f"«{str(v).strip()}»" for v in header if v is not None) or "—"
    return Rejected("missing_column_found", columns=columns, found=found)


def _merged_problems(grid: Grid, header_line: int, header: list[Any]) -> list[dict]:
    found = []
    for r1, c1, r2, _c2, ref in grid.merged:
        if r2 >= header_line:
            name = grid.column_name(c1 - 1, header[c1 - 1] if c1 - 1 < len(header) else None)
            found.append(_problem(r1, name, "merged", ref=ref))
    return found


def _cell(code: str, value: Any, line: int, column: str) -> dict:
    """A value as kept for the preview; ``t`` says what the file held: a date, a number
    (written in the user's notation when shown), a formula (an error), or text."""
    kind = "date" if as_date(value) else "formula" if isinstance(value, Formula) else \
        "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
    raw = str(value)[:60] if kind == "formula" else normalize_raw(value)
    return {"c": code, "r": raw, "l": line, "k": column, "t": kind}


def _at(values: list[Any], index: int) -> Any:
    return values[index] if index < len(values) else None


def _find(grid: Grid, aliases: set[str], other: set[str], expected: str, columns: str):
    """The header row holding one of ``aliases``: (position, header, normalized names)."""
    found = find_header(grid, aliases)
    if found is None:
        if find_header(grid, other) is not None:
            raise Rejected(_WRONG_KIND[expected])
        raise _missing(columns, None)
    position, header = found
    return position, header, [normalize_header(v) for v in header]


# -- one organization's report ----------------------------------------------------------------

def parse_report_file(data: bytes, filename: str, organization: OrganizationSpec,
                      quarter: Quarter, catalogue: Iterable[IndicatorSpec]) -> dict:
    """One organization's report: columns «Код показателя» (code) and «Значение» (value).

    Returns ``{"kind", "problems", "entries": [{"org", "line", "cells"}]}``; raises
    :class:`Rejected` (or the reader's ``FileRejected``) when the file cannot be used.
    """
    grid = fmt.read_grid(data, filename)
    position, header, names = _find(grid, fmt.CODE_ALIASES, fmt.ORG_ALIASES, fmt.FORMAT_REPORT,
                                    "code")
    _check_meta(grid, position, fmt.FORMAT_REPORT, "organization", organization.code, quarter)
    code_at = next(i for i, n in enumerate(names) if n in fmt.CODE_ALIASES)
    value_at = next((i for i, n in enumerate(names) if n in fmt.VALUE_ALIASES), None)
    if value_at is None:
        raise _missing("value", header)
    columns = (grid.column_name(code_at, header[code_at]),
               grid.column_name(value_at, header[value_at]))
    by_code = {i.code: i for i in catalogue}
    problems = _merged_problems(grid, grid.rows[position][0], header)
    cells: list[dict] = []
    seen: dict[str, int] = {}
    for line, values in grid.rows[position + 1:]:
        code_cell, value_cell = _at(values, code_at), _at(values, value_at)
        if grid.kind == "csv" and len(values) == len(header) + 1 == value_at + 2 \
                and _DIGITS.match(str(value_cell or "")) and _DIGITS.match(str(values[-1] or "")):
            value_cell = f"{value_cell},{values[-1]}"  # 12,5 unquoted in a comma-separated file
        elif grid.kind == "csv" and len(values) > len(header) and value_cell is not None:
            problems.append(_problem(line, "", "extra_values"))
            continue
        if code_cell is None:
            if value_cell is not None:
                problems.append(_problem(line, columns[0], "no_code"))
            continue
        _report_row(line, code_cell, value_cell, by_code, organization.type, seen, columns,
                    problems, cells)
    if not cells and not problems:
        raise Rejected("no_values")
    return {"kind": KIND_REPORT, "problems": problems, "hidden": grid.hidden,
            "entries": [{"org": organization.id, "line": None, "cells": cells}]}


def _report_row(line: int, code_cell: Any, value_cell: Any, by_code: dict[str, IndicatorSpec],
                org_type: str, seen: dict[str, int], columns: tuple[str, str],
                problems: list[dict], cells: list[dict]) -> None:
    """The cell of one row of a report file, or the problem that keeps it out."""
    code_column, value_column = columns
    if isinstance(code_cell, Formula):
        problems.append(_problem(line, code_column, "formula", formula=str(code_cell)[:60]))
        return
    code = normalize_raw(code_cell)
    indicator = by_code.get(code)
    if indicator is None:
        problems.append(_problem(line, code_column, "unknown_code", code=code[:64]))
    elif indicator.retired:
        problems.append(_problem(line, code_column, "retired", code=code))
    elif not indicator.applies(org_type):
        problems.append(_problem(line, code_column, "not_applicable", code=code, type=org_type))
    elif code in seen:
        problems.append(_problem(line, code_column, "duplicate_code", code=code,
                                 other=seen[code]))
    else:  # a formula too: shown in the values table with its problem
        seen[code] = line
        cells.append(_cell(code, value_cell, line, value_column))


# -- a municipal file ---------------------------------------------------------------------------

def parse_bulk_file(data: bytes, filename: str, municipality_code: str, quarter: Quarter,
                    catalogue: Iterable[IndicatorSpec],
                    allowed: Mapping[str, OrganizationSpec]) -> dict:
    """A municipal file: a row per organization (its code), a column per indicator code.

    ``allowed`` holds the organizations the user may report for, by code; a row naming any
    other organization rejects the whole file. Returns ``{"kind", "problems", "entries":
    [{"org", "line", "cells"}]}``.
    """
    grid = fmt.read_grid(data, filename)
    position, header, names = _find(grid, fmt.ORG_ALIASES, fmt.CODE_ALIASES, fmt.FORMAT_BULK,
                                    "org_code")
    _check_meta(grid, position, fmt.FORMAT_BULK, "municipality", municipality_code, quarter)
    header_line = grid.rows[position][0]
    org_at = next(i for i, n in enumerate(names) if n in fmt.ORG_ALIASES)
    problems = _merged_problems(grid, header_line, header)
    columns = _bulk_columns(grid, header_line, header, names, org_at,
                            {i.code: i for i in catalogue}, problems)
    if not columns and not problems:
        raise Rejected("no_indicator_columns")
    org_column = grid.column_name(org_at, header[org_at])
    entries: list[dict] = []
    seen: dict[int, int] = {}
    for line, values in grid.rows[position + 1:]:
        org_cell = _at(values, org_at)
        if org_cell is None:
            if any(_at(values, i) is not None for i in columns):
                problems.append(_problem(line, org_column, "no_org_code"))
            continue
        organization = _bulk_organization(line, normalize_raw(org_cell), org_column, allowed,
                                          seen, problems)
        if organization is not None:
            entries.append({"org": organization.id, "line": line,
                            "cells": _bulk_cells(line, values, columns, organization, problems)})
    if not entries and not problems:
        raise Rejected("no_organizations")
    return {"kind": KIND_BULK, "problems": problems, "hidden": grid.hidden, "entries": entries}


def _bulk_columns(grid: Grid, line: int, header: list[Any], names: list[str], org_at: int,
                  by_code: dict[str, IndicatorSpec], problems: list[dict],
                  ) -> dict[int, tuple[IndicatorSpec, str]]:
    """The indicator columns of the header row ``line``: index → (indicator, column name)."""
    columns: dict[int, tuple[IndicatorSpec, str]] = {}
    taken: set[str] = set()
    for index, title in enumerate(header):
        if index == org_at or title is None or names[index] in fmt.IGNORED_BULK_COLUMNS:
            continue
        column = grid.column_name(index, title)
        code = normalize_raw(title)  # an invisible character is spelt out
        indicator = by_code.get(code)
        if indicator is None:
            problems.append(_problem(line, column, "unknown_column", code=code[:64]))
        elif indicator.retired:
            problems.append(_problem(line, column, "retired", code=code))
        elif code in taken:
            problems.append(_problem(line, column, "duplicate_column", code=code))
        else:
            columns[index] = (indicator, column)
            taken.add(code)
    return columns


def _bulk_organization(line: int, code: str, column: str,
                       allowed: Mapping[str, OrganizationSpec], seen: dict[int, int],
                       problems: list[dict]) -> OrganizationSpec | None:
    """The organization a row is for; None (with a problem) when its values are not taken."""
    organization = allowed.get(code)
    if organization is None:
        raise Rejected("not_responsible", row=line, code=code[:64])
    if organization.id in seen:
        problems.append(_problem(line, column, "duplicate_org", code=code,
                                 other=seen[organization.id]))
        return None
    seen[organization.id] = line
    if not organization.is_active:
        problems.append(_problem(line, column, "closed_org", code=code))
        return None
    return organization


def _bulk_cells(line: int, values: list[Any], columns: dict[int, tuple[IndicatorSpec, str]],
                organization: OrganizationSpec, problems: list[dict]) -> list[dict]:
    cells = []
    for index, (indicator, column) in columns.items():
        value = _at(values, index)
        if not indicator.applies(organization.type):
            if value is not None:
                problems.append(_problem(line, column, "not_applicable", code=indicator.code,
                                         type=organization.type))
        else:  # a formula too: shown with its problem
            cells.append(_cell(indicator.code, value, line, column))
    return cells

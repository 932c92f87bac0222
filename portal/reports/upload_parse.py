"""Reading an uploaded report file into what it says: cells by row and column, and problems.

Only the catalogue and the report versions are read here; nothing is written.
:mod:`portal.reports.upload` evaluates the result against the stored values.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.reports import excel, queries
from portal.reports.excel import FileRejected, Formula, Grid
from portal.extensions import db
from portal.reports.models import Indicator, Period, Report
from portal.reports.values import normalize_raw
from tenants.models import Municipality, Organization

KIND_REPORT, KIND_BULK = "report", "bulk"


def _check_meta(grid: Grid, expected: str, key: str, code: str, period: Period) -> None:
    """A template names what it is for; a file for another tenant or quarter is refused."""
    meta = grid.meta
    kind = meta.get("format")
    if kind and kind != expected:
        raise FileRejected(_wrong_kind(expected))
    owner = meta.get(key)
    if owner and owner != code:
        if key == "organization":
            raise FileRejected(_("This file is the template of another organization (code "
                                 "%(other)s), not of %(code)s. Download the template of your "
                                 "organization.", other=owner, code=code))
        raise FileRejected(_("This file is the template of another municipality (code "
                             "%(other)s), not of %(code)s.", other=owner, code=code))
    year, quarter = meta.get("year"), meta.get("quarter")
    if year and quarter and (year, quarter) != (str(period.year), str(period.quarter)):
        roman = {"1": "I", "2": "II", "3": "III", "4": "IV"}.get(quarter, quarter)
        other = _("%(q)s quarter %(y)d", q=roman, y=int(year)) if year.isdigit() else year
        raise FileRejected(_("This file is the template for %(other)s, but you are uploading "
                             "the report for %(period)s. Download the template for "
                             "%(period)s.", other=other, period=period.label))


def _wrong_kind(expected: str) -> str:
    if expected == excel.FORMAT_REPORT:
        return _("This is a municipal file with the reports of many organizations; upload it "
                 "on the municipality's page.")
    return _("This is the file of one organization's report; upload it on that report's page.")


def _problem(line: int | None, column: str, kind: str, **params: Any) -> dict:
    return {"l": line, "k": column, "p": kind, "a": params}


def _header_names(header: list[Any]) -> str:
    names = [f"«{str(v).strip()}»" for v in header if v is not None]
    return ", ".join(names) or "—"


def _missing(columns: str, header: list[Any] | None) -> FileRejected:
    if header is None:
        return FileRejected(_("The table has no column %(columns)s. Do not rename or delete the "
                              "columns of the template.", columns=columns))
    return FileRejected(_("The table has no column %(columns)s (found: %(found)s). Do not "
                          "rename or delete the columns of the template.", columns=columns,
                          found=_header_names(header)))


def _merged_problems(grid: Grid, header_line: int, header: list[Any]) -> list[dict]:
    found = []
    for r1, c1, r2, _c2, ref in grid.merged:
        if r2 >= header_line:
            name = grid.column_name(c1 - 1, header[c1 - 1] if c1 - 1 < len(header) else None)
            found.append(_problem(r1, name, "merged", ref=ref))
    return found


def _cell(code: str, value: Any, line: int, column: str) -> dict:
    return {"c": code, "r": normalize_raw(value), "l": line, "k": column,
            "t": "date" if excel.as_date(value) else ""}


def _at(values: list[Any], index: int) -> Any:
    return values[index] if index < len(values) else None


_DIGITS = re.compile(r"^\d+$")


def parse_report_file(grid: Grid, organization: Organization, period: Period) -> dict:
    """One organization's report: columns «Код показателя» (code) and «Значение» (value)."""
    _check_meta(grid, excel.FORMAT_REPORT, "organization", organization.code, period)
    found = excel.find_header(grid, excel.CODE_ALIASES)
    if found is None:
        if excel.find_header(grid, excel.ORG_ALIASES) is not None:
            raise FileRejected(_wrong_kind(excel.FORMAT_REPORT))
        raise _missing("«Код показателя» (code)", None)
    position, header = found
    names = [excel.normalize_header(v) for v in header]
    code_at = next(i for i, n in enumerate(names) if n in excel.CODE_ALIASES)
    value_at = next((i for i, n in enumerate(names) if n in excel.VALUE_ALIASES), None)
    if value_at is None:
        raise _missing("«Значение» (value)", header)
    header_line = grid.rows[position][0]
    catalogue = {i.code: i for i in queries.all_indicators()}
    applicable = {i.code for i in queries.indicators_for(organization.type)}
    code_column = grid.column_name(code_at, header[code_at])
    value_column = grid.column_name(value_at, header[value_at])
    problems = _merged_problems(grid, header_line, header)
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
                problems.append(_problem(line, code_column, "no_code"))
            continue
        if isinstance(code_cell, Formula):
            problems.append(_problem(line, code_column, "formula", formula=str(code_cell)[:60]))
            continue
        code = normalize_raw(code_cell)
        indicator = catalogue.get(code)
        if indicator is None:
            problems.append(_problem(line, code_column, "unknown_code", code=code[:64]))
        elif indicator.retired_at is not None:
            problems.append(_problem(line, code_column, "retired", code=code))
        elif code not in applicable:
            problems.append(_problem(line, code_column, "not_applicable", code=code,
                                     type=organization.type.value))
        elif code in seen:
            problems.append(_problem(line, code_column, "duplicate_code", code=code,
                                     other=seen[code]))
        elif isinstance(value_cell, Formula):
            seen[code] = line
            problems.append(_problem(line, value_column, "formula", formula=str(value_cell)[:60]))
        else:
            seen[code] = line
            cells.append(_cell(code, value_cell, line, value_column))
    if not cells and not problems:
        raise FileRejected(_("The file holds no indicator values."))
    report = queries.report_for(organization, period)
    return {"kind": KIND_REPORT, "organization": organization.id, "period": period.id,
            "problems": problems,
            "entries": [{"org": organization.id, "line": None,
                         "version": report.version if report else None, "cells": cells}]}


def parse_bulk_file(grid: Grid, municipality: Municipality, period: Period,
                    allowed: dict[str, Organization]) -> dict:
    """A municipal file: a row per organization (its code), a column per indicator code.

    ``allowed`` holds the organizations the user may report for, by code; a row naming any
    other organization rejects the whole file.
    """
    _check_meta(grid, excel.FORMAT_BULK, "municipality", municipality.code, period)
    found = excel.find_header(grid, excel.ORG_ALIASES)
    if found is None:
        if excel.find_header(grid, excel.CODE_ALIASES) is not None:
            raise FileRejected(_wrong_kind(excel.FORMAT_BULK))
        raise _missing("«Код организации» (org_code)", None)
    position, header = found
    header_line = grid.rows[position][0]
    names = [excel.normalize_header(v) for v in header]
    org_at = next(i for i, n in enumerate(names) if n in excel.ORG_ALIASES)
    catalogue = {i.code: i for i in queries.all_indicators()}
    problems = _merged_problems(grid, header_line, header)
    columns: dict[int, Indicator] = {}
    for index, title in enumerate(header):
        if index == org_at or title is None or names[index] in excel.IGNORED_BULK_COLUMNS:
            continue
        column = grid.column_name(index, title)
        code = str(title).strip()
        indicator = catalogue.get(code)
        if indicator is None:
            problems.append(_problem(header_line, column, "unknown_column", code=code[:64]))
        elif indicator.retired_at is not None:
            problems.append(_problem(header_line, column, "retired", code=code))
        elif indicator in columns.values():
            problems.append(_problem(header_line, column, "duplicate_column", code=code))
        else:
            columns[index] = indicator
    if not columns and not problems:
        raise FileRejected(_("The table has no indicator columns: the header row must hold "
                             "the indicator codes after «Код организации»."))
    org_column = grid.column_name(org_at, header[org_at])
    entries, seen = [], {}
    for line, values in grid.rows[position + 1:]:
        org_cell = _at(values, org_at)
        if org_cell is None:
            if any(_at(values, i) is not None for i in columns):
                problems.append(_problem(line, org_column, "no_org_code"))
            continue
        code = normalize_raw(org_cell)
        organization = allowed.get(code)
        if organization is None:
            raise FileRejected(_(
                "Row %(row)d: the organization with the code “%(code)s” is not among the "
                "organizations you are responsible for. The whole file was rejected; nothing "
                "was saved.", row=line, code=code[:64]))
        if organization.id in seen:
            problems.append(_problem(line, org_column, "duplicate_org", code=code,
                                     other=seen[organization.id]))
            continue
        seen[organization.id] = line
        if not organization.is_active:
            problems.append(_problem(line, org_column, "closed_org", code=code))
            continue
        cells = []
        for index, indicator in columns.items():
            value = _at(values, index)
            column = grid.column_name(index, header[index])
            if not indicator.applies(organization.type):
                if value is not None:
                    problems.append(_problem(line, column, "not_applicable", code=indicator.code,
                                             type=organization.type.value))
            elif isinstance(value, Formula):
                problems.append(_problem(line, column, "formula", formula=str(value)[:60]))
            else:
                cells.append(_cell(indicator.code, value, line, column))
        entries.append({"org": organization.id, "line": line, "cells": cells})
    if not entries and not problems:
        raise FileRejected(_("The file lists no organization."))
    versions = dict(db.session.execute(
        sa.select(Report.organization_id, Report.version).where(
            Report.period_id == period.id,
            Report.organization_id.in_([e["org"] for e in entries] or [-1]))).all())
    for entry in entries:
        entry["version"] = versions.get(entry["org"])
    return {"kind": KIND_BULK, "municipality": municipality.id, "period": period.id,
            "problems": problems, "entries": entries}


# -- keeping the preview between the two requests ---------------------------------------------
